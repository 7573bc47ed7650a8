using System.Buffers;
using System.Data;
using System.Globalization;
using System.Text.Json;
using CustomerVault.AccessLog;
using CustomerVault.Audit;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Messages;
using CustomerVault.Profiles;
using CustomerVault.Vendors;
using JasperFx.Events;
using Marten;

using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerVault.MyData;

/// <param name="Receipts">The grant's consent receipts, one per change; the export's signature covers them (each is also
/// available signed on its own from the grant's receipts endpoint).</param>
public sealed record ExportedGrant(GrantView Grant, IReadOnlyList<ReceiptContent> Receipts);

/// <summary>
/// Everything the vault holds for a customer, in one document she can take elsewhere (data portability), signed by the
/// vault as a compact JWS so that whoever receives it can check, against the published JWKS, that it came from here
/// unaltered. The document (format <see cref="Format"/>) is an object of <c>format</c>, <c>customerId</c>,
/// <c>issuer</c>, <c>exportedAt</c>, <c>profile</c> (her values, in clear), <c>profileVersion</c>, <c>requests</c>,
/// <c>grants</c> (each with its receipts), <c>reads</c>, <c>contacts</c> and <c>messages</c> (newest first).
/// </summary>
/// <remarks>
/// It is written while it is read, page by page from one database snapshot, so memory stays the same however long
/// her history is; the signature is computed over the text as it goes out and appended at the end
/// (<see cref="StreamingJws"/>). A transfer cut short is therefore never a valid JWS.
/// </remarks>
public sealed class CustomerExport(
    IDocumentStore store, NpgsqlDataSource dataSource, CustomerKeyring keyring, VaultSigner signer, TimeProvider clock, IOptions<JsonOptions> json,
    IOptions<ConsentOptions> consents)
{
    public const string Format = "customervault-export/v2";
    public const string JwsType = "customervault-export+jwt";
    private const int Page = 500;
    private const int FlushAt = 64 * 1024;

    /// <summary>
    /// Writes her export as the response: signed (<c>application/jose</c>, .jws) or readable (<c>application/json</c>, .json).
    /// Fails before anything is written when she erased her account.
    /// </summary>
    public async Task WriteAsync(HttpResponse response, Guid customerId, bool signed, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot for the whole document, so that it agrees with itself however long the download takes.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using var session = store.QuerySession(Marten.Services.SessionOptions.ForTransaction(transaction));
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

        response.ContentType = signed ? MyDataEndpoints.JoseMediaType : "application/json";
        response.Headers.ContentDisposition = $"attachment; filename={FileName(now, signed ? "jws" : "json")}";
        var document = new Document(session, connection, customerId, signer.Issuer, now, consents.Value.DeletionConfirmationPeriod, json.Value.SerializerOptions);
        if (signed)
        {
            await using var jws = signer.SignStreaming(response.Body, JwsType);
            await document.WriteAsync(jws, profile, cipher, cancellationToken);
            await jws.CompleteAsync(cancellationToken);
        }
        else
        {
            await document.WriteAsync(response.Body, profile, cipher, cancellationToken);
        }
    }

    /// <summary>The name a downloaded export is saved under, e.g. customervault-export-20261122T100000Z.jws.</summary>
    public static string FileName(DateTimeOffset exportedAt, string extension) =>
        $"customervault-export-{exportedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.{extension}";

    private sealed class Document(IQuerySession session, NpgsqlConnection connection, Guid customerId, string issuer, DateTimeOffset now, TimeSpan deletionPeriod,
        JsonSerializerOptions options)
    {
        private readonly Dictionary<Guid, Vendor?> _vendors = [];

        // The serializer flushes its writer synchronously, so it writes to a buffer that is sent on asynchronously.
        private readonly ArrayBufferWriter<byte> _buffer = new(FlushAt * 2);
        private Stream _output = Stream.Null;

        public async Task WriteAsync(Stream output, Profile profile, CustomerCipher cipher, CancellationToken cancellationToken)
        {
            _output = output;
            await using var writer = new Utf8JsonWriter(_buffer);
            writer.WriteStartObject();
            Property(writer, "format", Format);
            Property(writer, "customerId", customerId);
            Property(writer, "issuer", issuer);
            Property(writer, "exportedAt", now);
            Property(writer, "profile", ProfileDocument.From(ProfileDocument.Open(profile.Attributes, cipher)));
            Property(writer, "profileVersion", profile.Version);

            writer.WriteStartArray("requests");
            for (var offset = 0; ; offset += Page)
            {
                var requests = await session.Query<AccessRequest>().Where(r => r.CustomerId == customerId)
                    .OrderByDescending(r => r.RequestedAt).ThenByDescending(r => r.Id).Skip(offset).Take(Page).ToListAsync(cancellationToken);
                var vendors = await VendorsAsync(requests.Select(r => r.VendorId), cancellationToken);
                await ItemsAsync(writer, requests.Select(r => AccessRequestView.Of(r, vendors(r.VendorId), customerId, now)), cancellationToken);
                if (requests.Count < Page)
                {
                    break;
                }
            }

            writer.WriteEndArray();

            writer.WriteStartArray("grants");
            for (var offset = 0; ; offset += Page)
            {
                var grants = await session.Query<Grant>().Where(g => g.CustomerId == customerId)
                    .OrderByDescending(g => g.GrantedAt).ThenByDescending(g => g.Id).Skip(offset).Take(Page).ToListAsync(cancellationToken);
                var vendors = await VendorsAsync(grants.Select(g => g.VendorId), cancellationToken);
                // The page's events in one query, rather than a stream fetched per grant.
                var ids = grants.Select(g => g.Id).ToArray();
                var events = (await session.Events.QueryAllRawEvents().Where(e => ids.Contains(e.StreamId)).OrderBy(e => e.Sequence).ToListAsync(cancellationToken))
                    .ToLookup(e => e.StreamId);
                // Her receipts as the vendor holds them too: they name her by that vendor's id for her.
                var pairwise = await PairwiseIdsAsync(cancellationToken);
                await ItemsAsync(writer, grants.Select(g => new ExportedGrant(GrantView.Of(g, vendors(g.VendorId), customerId, now, deletionPeriod),
                    Receipts.Contents(events[g.Id], vendors(g.VendorId), pairwise.TryGetValue(g.VendorId, out var id) ? id : null, issuer))), cancellationToken);
                if (grants.Count < Page)
                {
                    break;
                }
            }

            writer.WriteEndArray();

            await AccessLogAsync(writer, "reads", AccessKind.Read, cancellationToken);
            await AccessLogAsync(writer, "contacts", AccessKind.Contact, cancellationToken);
            await MessagesAsync(writer, cipher, cancellationToken);
            writer.WriteEndObject();
            await FlushAsync(writer, cancellationToken, force: true);
        }

        // Keyset paging, newest first: each page starts where the last ended, so every page costs the same.
        private async Task AccessLogAsync(Utf8JsonWriter writer, string name, AccessKind kind, CancellationToken cancellationToken)
        {
            writer.WriteStartArray(name);
            (DateTimeOffset, Guid)? after = null;
            while (true)
            {
                var entries = await AccessLogTable.PageAsync(connection, customerId, kind, after, Page * 2, cancellationToken);
                var vendors = await VendorsAsync(entries.Select(e => e.VendorId), cancellationToken);
                await ItemsAsync(writer, entries.Select(e => CustomerAccessLog.Item(e, vendors(e.VendorId))), cancellationToken);
                if (entries.Count < Page * 2)
                {
                    break;
                }

                after = (entries[^1].At, entries[^1].Id);
            }

            writer.WriteEndArray();
        }

        private IReadOnlyDictionary<Guid, Guid>? _pairwise;

        // Every vendor's id for her, in one query (a customer knows few vendors next to her many grants).
        private async Task<IReadOnlyDictionary<Guid, Guid>> PairwiseIdsAsync(CancellationToken cancellationToken) =>
            _pairwise ??= await PairwiseIds.OfCustomerAsync(session, customerId, cancellationToken);
        // What vendors wrote to her and what she wrote to them, opened with her key, newest first.
        private async Task MessagesAsync(Utf8JsonWriter writer, CustomerCipher cipher, CancellationToken cancellationToken)
        {
            writer.WriteStartArray("messages");
            (DateTimeOffset, Guid)? after = null;
            while (true)
            {
                var messages = await MessageReads.PageAsync(connection, customerId, after, Page, cancellationToken);
                var vendors = await VendorsAsync(messages.Select(m => m.VendorId), cancellationToken);
                await ItemsAsync(writer, messages.Select(m => MessageViews.ForCustomer(m, MessageContent.Open(cipher, m)!, vendors(m.VendorId))), cancellationToken);
                if (messages.Count < Page)
                {
                    break;
                }

                after = (messages[^1].CreatedAt, messages[^1].Id);
            }

            writer.WriteEndArray();
        }

        // Vendors are looked up once each, however many pages name them.
        private async Task<Func<Guid, Vendor?>> VendorsAsync(IEnumerable<Guid> ids, CancellationToken cancellationToken)
        {
            var missing = ids.Where(id => !_vendors.ContainsKey(id)).Distinct().ToList();
            if (missing.Count > 0)
            {
                var found = await session.VendorsAsync(missing, cancellationToken);
                foreach (var id in missing)
                {
                    _vendors[id] = found.GetValueOrDefault(id);
                }
            }

            return id => _vendors[id];
        }

        private async Task ItemsAsync<T>(Utf8JsonWriter writer, IEnumerable<T> items, CancellationToken cancellationToken)
        {
            foreach (var item in items)
            {
                JsonSerializer.Serialize(writer, item, options);
                await FlushAsync(writer, cancellationToken);
            }
        }

        private void Property<T>(Utf8JsonWriter writer, string name, T value)
        {
            writer.WritePropertyName(name);
            JsonSerializer.Serialize(writer, value, options);
        }

        private async Task FlushAsync(Utf8JsonWriter writer, CancellationToken cancellationToken, bool force = false)
        {
            writer.Flush();
            if (force || _buffer.WrittenCount >= FlushAt)
            {
                await _output.WriteAsync(_buffer.WrittenMemory, cancellationToken);
                await _output.FlushAsync(cancellationToken);
                _buffer.ResetWrittenCount();
            }
        }
    }
}
