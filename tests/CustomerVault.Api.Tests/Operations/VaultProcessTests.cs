using System.Diagnostics;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Operations;

public sealed class RunningVault : IAsyncLifetime
{
    public VaultProcess Vault { get; private set; } = null!;

    public async Task InitializeAsync() => Vault = await VaultProcess.StartAsync(Path.Combine(TestDatabase.RunDirectory, $"home-{Guid.NewGuid():N}"));

    public async Task DisposeAsync()
    {
        await Vault.DisposeAsync();
        VaultHomes.Delete(Vault);
    }
}

/// <summary>The vault as an operator runs it, with no connection string: the embedded PostgreSQL it starts is its own.</summary>
public sealed class VaultProcessTests(RunningVault running) : IClassFixture<RunningVault>
{
    private VaultProcess Vault => running.Vault;

    [Fact]
    public void The_database_follows_HOME_even_as_root()
    {
        var postmaster = ProcFs.CommandLine(Postmaster(Vault));

        Assert.Equal(Path.Combine(Vault.DatabaseFolder, "data"), postmaster[postmaster.ToList().IndexOf("-D") + 1]);
        Assert.True(File.Exists(Path.Combine(Vault.Home, ".local", "share", "customervault", "postgres", "data", "PG_VERSION")));
    }

    [Fact]
    public void Its_PostgreSQL_holds_no_descriptor_of_the_vault_nor_of_the_vaults_parent()
    {
        var vault = ProcFs.Descriptors(Vault.Id).Values.ToHashSet();
        Assert.Contains(Vault.InheritedFile, vault);

        var postmaster = ProcFs.Descriptors(Postmaster(Vault));

        // /dev/null is opened afresh, not inherited; every pipe, socket and file has an identity of its own.
        var shared = postmaster.Where(d => vault.Contains(d.Value) && d.Value != "/dev/null").Select(d => $"{d.Key} -> {d.Value}").ToList();
        Assert.True(shared.Count == 0, $"The postmaster holds descriptors of the vault's: {string.Join(", ", shared)}");
    }

    [Fact]
    public async Task A_second_vault_on_the_same_data_folder_is_refused_with_a_message_that_says_why()
    {
        var (exitCode, error) = await VaultProcess.RunUntilExitAsync(Vault.Home);

        Assert.Equal(1, exitCode);
        Assert.Contains("CustomerVault cannot start: Another vault", error);
        Assert.Contains("two vaults cannot share one", error);
        Assert.False(Vault.HasExited);
    }

    internal static int Postmaster(VaultProcess vault) =>
        int.Parse(File.ReadLines(Path.Combine(vault.DatabaseFolder, "data", "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class VaultKilledTests
{
    [Fact]
    public async Task Killed_with_kill_9_the_vault_takes_its_PostgreSQL_down_with_it()
    {
        var vault = await VaultProcess.StartAsync(Path.Combine(TestDatabase.RunDirectory, $"home-{Guid.NewGuid():N}"));
        try
        {
            var postmaster = VaultProcessTests.Postmaster(vault);
            var database = vault.DatabaseFolder;
            Assert.NotEmpty(ProcFs.Mentioning(database));

            var killed = Stopwatch.StartNew();
            vault.KillHard();

            await Eventually.HoldsAsync(() => !ProcFs.IsRunning(postmaster), "The postmaster outlived its vault.");
            await Eventually.HoldsAsync(() => ProcFs.Mentioning(database).Count == 0,
                () => $"Still running for the dead vault: {string.Join(", ", ProcFs.Mentioning(database))}");
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(15), $"PostgreSQL took {killed.Elapsed} to stop after its vault died.");
        }
        finally
        {
            await vault.DisposeAsync();
            VaultHomes.Delete(vault);
        }
    }
}

internal static class VaultHomes
{
    /// <summary>Deletes a test vault's HOME and, when its database was placed elsewhere, the database too.</summary>
    public static void Delete(VaultProcess vault)
    {
        var database = vault.DatabaseFolder;
        if (!database.StartsWith(vault.Home, StringComparison.Ordinal) && Directory.Exists(database))
        {
            Directory.Delete(database, recursive: true);
        }

        Directory.Delete(vault.Home, recursive: true);
    }
}
