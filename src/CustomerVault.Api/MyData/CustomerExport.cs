using System.Text.Json;
using CustomerVault.AccessLog;
using CustomerVault.Audit;
using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Profiles;
using Marten;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerVault.MyData;

/// <param name="Format">The layout of this document; a later layout gets a new name.</param>
/// <param name="Issuer">The vault that issued it (the JWS is signed with the key published at {issuer}.well-known/jwks).</param>
/// <param name="Profile">Her attribute values, in clear.</param>
/// <param name="Reads">Every read of her data by a vendor, newest first.</param>
/// <param name="Contacts">Every contact a vendor recorded, newest first.</param>
public sealed record CustomerExportDocument(
    string Format, Guid CustomerId, string Issuer, DateTimeOffset ExportedAt, ProfileDocument Profile, long ProfileVersion,
    IReadOnlyList<AccessRequestView> Requests, IReadOnlyList<ExportedGrant> Grants, IReadOnlyList<AccessLogItem> Reads, IReadOnlyList<AccessLogItem> Contacts);

/// <param name="Receipts">The grant's signed consent receipts, one per change.</param>
public sealed record ExportedGrant(GrantView Grant, IReadOnlyList<ConsentReceiptView> Receipts);

/// <summary>
/// Everything the vault holds for a customer, in one document she can take elsewhere (data portability), signed by
/// the vault as a compact JWS so that whoever receives it can check, against the published JWKS, that it came from
/// here unaltered.
/// </summary>
public sealed class CustomerExport(
    IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring, VaultSigner signer, TimeProvider clock, IOptions<JsonOptions> json)
{
    public const string Format = "customervault-export/v1";
    public const string JwsType = "customervault-export+jwt";

    public async Task<CustomerExportDocument> BuildAsync(Guid customerId, string issuer, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var profile = await session.LoadAsync<Profile>(customerId, cancellationToken);
        var cipher = await keyring.OpenAsync(session, customerId, cancellationToken);
        if (profile?.ErasedAt is not null || (profile is not null && cipher is null))
        {
            throw new CustomerErasedException(customerId);
        }

        if (profile is null || cipher is null)
        {
            throw new InvalidOperationException($"Customer {customerId} has no profile.");
        }

        var requests = await session.Query<AccessRequest>().Where(r => r.CustomerId == customerId).OrderByDescending(r => r.RequestedAt).ToListAsync(cancellationToken);
        var grants = await session.Query<Grant>().Where(g => g.CustomerId == customerId).OrderByDescending(g => g.GrantedAt).ToListAsync(cancellationToken);
        var grantViews = await session.ViewsAsync(grants, now, cancellationToken);
        var exported = new List<ExportedGrant>(grants.Count);
        foreach (var view in grantViews)
        {
            var receipts = await Receipts.ForGrantAsync(view.Id, Party.Customer(customerId), session, signer, issuer, cancellationToken);
            exported.Add(new ExportedGrant(view, receipts ?? []));
        }

        var items = await CustomerAccessLog.QueryAsync(session, dataSource, customerId, null, null, null, int.MaxValue, 0, cancellationToken);

        return new CustomerExportDocument(Format, customerId, issuer, now, ProfileDocument.From(ProfileDocument.Open(profile.Attributes, cipher)),
            profile.Version, (await session.ViewsAsync(requests, now, cancellationToken)).ToList(), exported,
            items.Where(i => i.Kind == "read").ToList(), items.Where(i => i.Kind == "contact").ToList());
    }

    /// <summary>The document as the API writes JSON: the payload of the signed export.</summary>
    public string ToJson(CustomerExportDocument document) => JsonSerializer.Serialize(document, json.Value.SerializerOptions);

    /// <summary>The signed export: a compact JWS over <see cref="ToJson"/>.</summary>
    public string Sign(CustomerExportDocument document) => signer.Sign(ToJson(document), JwsType);

    /// <summary>The name a downloaded export is saved under, e.g. customervault-export-20261122T100000Z.jws.</summary>
    public static string FileName(CustomerExportDocument document, string extension) =>
        $"customervault-export-{document.ExportedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture)}.{extension}";
}
