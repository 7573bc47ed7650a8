using CustomerVault.Infrastructure;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Kernel;
using CustomerVault.Vendors;
using Marten;
using Npgsql;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CustomerVault.AccessLog;

/// <param name="Status">active (some grant is active), suspended (the vendor is suspended), the status of the latest grant,
/// requested (it asked and you have not answered), or connected (it knows you, and has neither a grant nor a request).</param>
/// <param name="Scopes">What the active grants cover.</param>
/// <param name="Purposes">The purposes of the active grants.</param>
/// <param name="ExpiresAt">When the last active grant ends.</param>
/// <param name="ContactsLast7Days">Counted against the weekly cap of contacts.</param>
/// <param name="ConnectedAt">Since when the vendor knows you (under an id of its own, never your vault id).</param>
/// <param name="Dormant">It holds an active grant (for 90 days or more) but has not read your data in 90 days: does it still need it?</param>
/// <param name="Deletion">Whether the vendor confirmed deleting what it held under grants that ended (or scopes you removed); absent while none did.</param>
public sealed record Relationship(
    VendorSummary Vendor, string Status, IReadOnlyList<string> Scopes, IReadOnlyList<string> Purposes, DateTimeOffset? ExpiresAt,
    IReadOnlyList<Guid> ActiveGrants, DateTimeOffset? LastRead, int ReadsLast30Days, int ContactsLast7Days, int PendingRequests,
    DateTimeOffset? ConnectedAt, bool Dormant, RelationshipDeletion? Deletion = null);

/// <param name="Status">not-confirmed (some confirmation is overdue), awaiting (some is owed, still in time), or confirmed (every one owed was made).</param>
/// <param name="DeletedAt">When the vendor last said it deleted or de-identified your data.</param>
/// <param name="NotConfirmed">Grants whose confirmation is overdue.</param>
/// <param name="DueBy">The earliest date a confirmation still owed is due.</param>
public sealed record RelationshipDeletion(string Status, DateTimeOffset? DeletedAt, int NotConfirmed, DateTimeOffset? DueBy)
{
    public static RelationshipDeletion? Of(IEnumerable<Grant> grants, DateTimeOffset now, TimeSpan period)
    {
        var owed = grants.Select(g => GrantDeletion.Of(g, now, period)).OfType<GrantDeletion>().ToList();
        if (owed.Count == 0)
        {
            return null;
        }

        var overdue = owed.Count(d => d.Status == GrantDeletion.NotConfirmed);
        var status = overdue > 0 ? GrantDeletion.NotConfirmed : owed.Any(d => d.Status == GrantDeletion.Awaiting) ? GrantDeletion.Awaiting : GrantDeletion.Confirmed;
        return new RelationshipDeletion(status, owed.SelectMany(d => d.Confirmations).Select(c => (DateTimeOffset?)c.PerformedAt).Max(), overdue,
            owed.Where(d => d.Status != GrantDeletion.Confirmed).Select(d => d.DueBy).Min());
    }
}

/// <summary>One row per vendor the customer has dealt with: where things stand, at a glance.</summary>
public static class Relationships
{
    public static RouteHandlerBuilder MapRelationships(this IEndpointRouteBuilder me) =>
        me.MapGet("/relationships", Handle)
            .WithName("GetMyRelationships")
            .WithSummary("Every vendor that knows you, has asked you or has been granted access: status, scopes, purpose, expiry, recent reads")
            .WithDescription("A vendor that holds an active grant but has not read in 90 days is flagged dormant; its timeline shows the detail.")
            .ProducesValidationProblem();

    private static async Task<Ok<Page<Relationship>>> Handle(
        int? limit, int? offset, CustomerPrincipal customer, IQuerySession session, NpgsqlDataSource dataSource, TimeProvider clock,
        IOptions<ConsentOptions> options, HttpRequest request, CancellationToken cancellationToken)
    {
        var paging = Paging.Of(limit, offset);
        // A customer's relationships are bounded by the caps on grants and pending requests, so they are built whole and sliced.
        return TypedResults.Ok(paging.Slice(
            await ForCustomerAsync(session, dataSource, customer.Id, clock.Now(), options.Value.DeletionConfirmationPeriod, cancellationToken), request));
    }

    public static async Task<IReadOnlyList<Relationship>> ForCustomerAsync(
        IQuerySession session, NpgsqlDataSource dataSource, Guid customerId, DateTimeOffset now, TimeSpan deletionPeriod,
        CancellationToken cancellationToken)
    {
        var grants = await session.Query<Grant>().Where(g => g.CustomerId == customerId).ToListAsync(cancellationToken);
        var pending = await session.Query<AccessRequest>().Where(r => r.CustomerId == customerId)
            .WithStatus(AccessRequestStatus.Pending, now).ToListAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var usage = await AccessUsage.ForCustomerAsync(connection, customerId, now, cancellationToken);
        var connected = await PairwiseIds.VendorsOfAsync(session, customerId, cancellationToken);
        var vendorIds = grants.Select(g => g.VendorId).Concat(pending.Select(r => r.VendorId)).Concat(connected.Keys).Distinct().ToList();
        var vendors = await session.VendorsAsync(vendorIds, cancellationToken);

        var rows = vendorIds.Select(id =>
        {
            var vendor = vendors.GetValueOrDefault(id);
            var theirs = grants.Where(g => g.VendorId == id).ToList();
            var active = theirs.Where(g => g.IsActiveAt(now)).ToList();
            var status = active.Count > 0
                ? vendor?.Status == VendorStatus.Suspended ? "suspended" : "active"
                : theirs.OrderByDescending(g => g.GrantedAt).Select(g => GrantDecider.StatusName(g.StatusAt(now))).FirstOrDefault()
                  ?? (pending.Any(r => r.VendorId == id) ? "requested" : "connected");
            var use = usage.GetValueOrDefault(id);
            return new Relationship(
                VendorSummary.Of(vendor, id), status,
                active.SelectMany(g => g.Scopes).Distinct().Order(StringComparer.Ordinal).ToList(),
                active.Select(g => g.Purpose).Distinct().Order(StringComparer.Ordinal).ToList(),
                active.Count > 0 ? active.Max(g => g.ExpiresAt) : null,
                active.Select(g => g.Id).ToList(),
                use?.LastRead, use?.ReadsLast30Days ?? 0, use?.ContactsLast7Days ?? 0,
                pending.Count(r => r.VendorId == id),
                connected.TryGetValue(id, out var since) ? since : null,
                Dormancy.IsDormant(active, use?.LastRead, now),
                RelationshipDeletion.Of(theirs, now, deletionPeriod));
        }).OrderBy(r => r.Vendor.Name, StringComparer.OrdinalIgnoreCase).ToList();

        return rows;
    }
}
