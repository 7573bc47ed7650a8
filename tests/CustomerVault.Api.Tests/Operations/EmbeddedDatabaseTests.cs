using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Database;
using Microsoft.Extensions.DependencyInjection;

namespace CustomerVault.Api.Tests.Operations;

/// <summary>The vault with no connection string: it runs its own PostgreSQL in its data folder.</summary>
public sealed class EmbeddedVaultApp(string dataDirectory, IDictionary<string, string?>? settings = null) : VaultApp
{
    protected override string DataDirectory => dataDirectory;

    public override Task InitializeAsync()
    {
        _ = Server;
        return Task.CompletedTask;
    }

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
    {
        [$"ConnectionStrings:{VaultDatabase.ConnectionStringName}"] = "",
    };
}

public sealed class EmbeddedDatabaseTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(TestDatabase.RunDirectory, $"embedded-{Guid.NewGuid():N}");

    [Fact]
    public async Task Without_a_connection_string_the_vault_runs_its_own_database_which_keeps_the_data_across_restarts()
    {
        SignedInCustomer customer;
        int port;
        await using (var first = new EmbeddedVaultApp(_dataDirectory))
        {
            await first.InitializeAsync();
            var database = first.Services.GetRequiredService<VaultDatabase>();
            Assert.True(database.IsEmbedded);
            port = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString).Port;

            customer = await first.SignUpAsync();
            using var api = first.CreateApiClient(customer.AccessToken);
            var patched = await api.PatchAsync("/v1/me/profile",
                new StringContent("""{ "contact": { "phone": "+4930123456" } }""", Encoding.UTF8, "application/merge-patch+json"));
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        }

        Assert.False(IsListening(port), "The embedded server still runs after the vault stopped.");

        await using var second = new EmbeddedVaultApp(_dataDirectory);
        await second.InitializeAsync();
        var tokens = await second.SignInAsync(customer.Email, customer.Password);
        using var again = second.CreateApiClient(tokens.AccessToken);
        var profile = await again.GetFromJsonAsync<JsonObject>("/v1/me/profile");
        Assert.Equal("+4930123456", (string?)profile!["contact"]!["phone"]);
    }

    [Fact]
    public async Task Without_PostgreSQL_binaries_the_vault_exits_with_one_message_that_says_what_to_do()
    {
        var start = new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["ConnectionStrings__Vault"] = "",
                ["Vault__DataDirectory"] = _dataDirectory,
                ["Vault__EmbeddedDatabase__BinDirectory"] = Path.Combine(_dataDirectory, "no-such-folder"),
            },
        };

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, process.ExitCode);
        var message = (await stderr).Trim();
        Assert.StartsWith("CustomerVault cannot start:", message);
        Assert.Contains("Vault:EmbeddedDatabase:BinDirectory", message);
        Assert.Single(message.Split('\n'));
        Assert.DoesNotContain("   at ", await stdout);
    }

    [Fact]
    public void When_no_binaries_are_found_anywhere_the_message_names_the_install_command_and_both_settings()
    {
        var failure = Assert.Throws<VaultStartupException>(() => PostgresBinaries.Locate(null, candidates: []));

        Assert.Contains("apt-get install -y postgresql", failure.Message);
        Assert.Contains("Vault:EmbeddedDatabase:BinDirectory", failure.Message);
        Assert.Contains("ConnectionStrings:Vault", failure.Message);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
