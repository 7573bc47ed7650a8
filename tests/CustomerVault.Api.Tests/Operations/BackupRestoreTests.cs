using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Audit;
using CustomerVault.Infrastructure.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CustomerVault.Api.Tests.Operations;

/// <summary>
/// The backup the runbook prescribes (docs/operations.md; tests/ha/backup-restore.sh adds the WAL archive and a
/// point-in-time target): everything the vault needs besides its keys is in the database, so a base backup taken
/// while it serves restores into a vault whose history verifies.
/// </summary>
public sealed class BackupRestoreTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(TestDatabase.RunDirectory, $"backup-{Guid.NewGuid():N}");
    private EmbeddedPostgresServer _source = null!;
    private EmbeddedPostgresServer? _restored;

    private string SourceRoot => Path.Combine(_root, "source");
    private string RestoredRoot => Path.Combine(_root, "restored");

    public async Task InitializeAsync()
    {
        _source = await EmbeddedPostgresServer.StartAsync(SourceRoot, null, 0, durable: false, NullLogger.Instance, CancellationToken.None);
        await _source.EnsureDatabaseAsync("customervault");
    }

    public async Task DisposeAsync()
    {
        await _source.StopAsync();
        if (_restored is not null)
        {
            await _restored.StopAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_base_backup_taken_while_the_vault_serves_restores_into_a_vault_whose_chains_and_checkpoint_verify()
    {
        Guid before, after, checkpoint;
        await using (var vault = new ConnectedVaultApp(_source.ConnectionString("customervault").ConnectionString))
        {
            await vault.InitializeAsync();
            var vendor = await vault.RegisterVendorAsync();
            var customer = await vault.SignUpAsync();
            await vault.SetProfileAsync(customer, """{ "identity": { "name": { "given": "Backedup" } } }""");
            await vault.GrantAsync(vendor, customer);
            Assert.Equal(HttpStatusCode.OK, (await vault.Api(vendor).ReadProfileAsync(await vault.ConnectAsync(vendor, customer))).StatusCode);
            using var admin = await vault.OperatorAsync();
            checkpoint = Guid.Parse((string)(await (await admin.PostAsync("/v1/audit/checkpoints", null)).JsonAsync())["id"]!);
            before = customer.Id;

            await BaseBackupAsync(Path.Combine(RestoredRoot, "data"));

            after = (await vault.SignUpAsync()).Id;
        }

        File.Copy(Path.Combine(SourceRoot, "password"), Path.Combine(RestoredRoot, "password"));
        _restored = await EmbeddedPostgresServer.StartAsync(RestoredRoot, null, 0, durable: false, NullLogger.Instance, CancellationToken.None);
        await using var restored = new ConnectedVaultApp(_restored.ConnectionString("customervault").ConnectionString);
        await restored.InitializeAsync();

        await using (var db = await restored.OpenDatabaseAsync())
        {
            var chains = await ChainVerifier.VerifyAsync(db, null, null, CancellationToken.None);
            Assert.True(chains.Intact, $"Broken after restore: {chains.FirstBroken}");
            Assert.True(chains.Events > 0);
        }

        using var auditor = await restored.AuditorAsync();
        var verified = await auditor.GetFromJsonAsync<JsonElement>("/v1/audit/checkpoints/latest/verify");
        Assert.Equal(checkpoint, verified.GetProperty("checkpoint").GetProperty("id").GetGuid());
        Assert.True(verified.GetProperty("matches").GetBoolean());
        Assert.True(verified.GetProperty("signatureValid").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await auditor.GetAsync($"/v1/audit/customers/{before}/history")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await auditor.GetAsync($"/v1/audit/customers/{after}/history")).StatusCode);
    }

    /// <summary>pg_basebackup of the running source server, owned as the restored server needs it.</summary>
    private async Task BaseBackupAsync(string target)
    {
        var settings = _source.ConnectionString("postgres");
        var backup = new ProcessStartInfo(Path.Combine(PostgresBinaries.Locate(null), "pg_basebackup"),
            ["-h", settings.Host!, "-p", settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", settings.Username!,
             "-D", target, "-X", "stream", "-c", "fast"])
        {
            RedirectStandardError = true,
            Environment = { ["PGPASSWORD"] = settings.Password },
        };
        await RunAsync(backup);
        if (OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess)
        {
            // As root the embedded server runs as the postgres user, which must own its data folder.
            await RunAsync(new ProcessStartInfo("chown", ["-R", "postgres:postgres", target]) { RedirectStandardError = true });
        }
    }

    private static async Task RunAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(start.FileName)} failed: {error}");
    }
}
