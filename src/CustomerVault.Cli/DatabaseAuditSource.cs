using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using CustomerVault.Audit;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.Tokens;

namespace CustomerVault.Cli;

/// <summary>The vault's database, for operators on its network: reads the events where they are stored.</summary>
public sealed class DatabaseAuditSource(VaultConnection vault, Func<string, string?> environment, string? dataDirectory) : IAuditSource
{
    public string Name => "database";

    public StoredEvents Events { get; } = new(vault.Store);

    public Task<Checkpoint?> LatestCheckpointAsync(CancellationToken cancellationToken) =>
        new Checkpoints(vault.DataSource, null, TimeProvider.System).LatestAsync(cancellationToken);

    // The CLI never holds the key that signs for the vault.
    public Task<Checkpoint> MakeCheckpointAsync(CancellationToken cancellationToken) =>
        throw new CliException(ExitCodes.Usage, "Only the vault signs checkpoints: ask it over its API (--vault, with an operator's credentials).");

    // With the vault's document keys (public halves suffice) when this machine has them: as the vault is configured
    // (Vault__Certificates__Documents__Path and __Published__N__Path), or a Development data folder's.
    public Task<SignatureCheck> CheckSignatureAsync(Checkpoint checkpoint, CancellationToken cancellationToken) =>
        SignatureCheck.OfAsync(checkpoint, [.. DocumentKeys().Select(certificate => new X509SecurityKey(certificate))],
            "among this machine's document certificates (configure the one that signed it as Vault__Certificates__Documents__Published__N__Path)", null,
            "this machine lacks the vault's document certificates; check it over the API (--vault) against the published keys");

    public async IAsyncEnumerable<ChainLink> LinksAsync(Guid? customer, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var streams = customer is { } id ? await RecordStreamsAsync(id, cancellationToken) : null;
        await using var connection = await vault.DataSource.OpenConnectionAsync(cancellationToken);
        await foreach (var link in ChainVerifier.LinksAsync(connection, streams, null, cancellationToken))
        {
            yield return link;
        }
    }

    public async Task<IReadOnlyList<StoredEvent>> CustomerEventsAsync(Guid customer, CancellationToken cancellationToken)
    {
        var streams = await RecordStreamsAsync(customer, cancellationToken);
        await using var connection = await vault.DataSource.OpenConnectionAsync(cancellationToken);
        return await Events.ReadAsync(connection, streams, null, cancellationToken);
    }

    public Task<ReplayResult> ReplayAsync(Action<long, long?> progress, CancellationToken cancellationToken) =>
        ProjectionRebuild.RunAsync(vault, Events, progress, cancellationToken);

    public ValueTask DisposeAsync() => vault.DisposeAsync();

    private IReadOnlyList<X509Certificate2> DocumentKeys()
    {
        const string documents = "Vault:Certificates:" + VaultCertificates.DocumentsPurpose;
        var settings = new Dictionary<string, string?> { [VaultPaths.DataDirectoryKey] = dataDirectory ?? environment("Vault__DataDirectory") };
        string? Read(string key) => settings[key] = environment(key.Replace(":", "__", StringComparison.Ordinal));
        Read($"{documents}:Path");
        Read($"{documents}:Password");
        for (var n = 0; Read($"{documents}:Published:{n}:Path") is not null; n++)
        {
            Read($"{documents}:Published:{n}:Password");
        }

        return VaultCertificates.DocumentVerificationKeys(new ConfigurationBuilder().AddInMemoryCollection(settings.Where(s => s.Value is not null)).Build());
    }

    private async Task<Guid[]> RecordStreamsAsync(Guid customer, CancellationToken cancellationToken)
    {
        await using var session = vault.Store.QuerySession();
        return await ConsentHistory.CustomerRecordStreamsAsync(session, customer, cancellationToken)
               ?? throw new CliException(ExitCodes.NotFound, $"No customer {customer} in this vault.");
    }
}
