namespace CustomerVault.Api.Tests.Support;

/// <summary>The vault against a database the test set up itself (its own server, a cluster, a restored backup).</summary>
public sealed class ConnectedVaultApp(string connectionString) : VaultApp
{
    public override Task InitializeAsync()
    {
        ConnectionString = connectionString;
        Start();
        return Task.CompletedTask;
    }
}
