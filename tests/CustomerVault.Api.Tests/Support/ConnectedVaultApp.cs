namespace CustomerVault.Api.Tests.Support;

/// <summary>
/// The vault against a database the test set up itself (its own server, a cluster, a restored backup), with settings
/// of its own if the test gives some (another node's keys, say).
/// </summary>
public sealed class ConnectedVaultApp(string connectionString, IDictionary<string, string?>? settings = null) : VaultApp
{
    protected override IDictionary<string, string?> Settings => settings ?? base.Settings;

    public override Task InitializeAsync()
    {
        ConnectionString = connectionString;
        Start();
        return Task.CompletedTask;
    }
}
