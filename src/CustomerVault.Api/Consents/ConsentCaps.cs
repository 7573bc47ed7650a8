using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using Marten;
using Npgsql;

namespace CustomerVault.Consents;

/// <summary>What a customer holds at once: her active grants, and those with the vendor concerned.</summary>
public sealed record GrantRoom(int Active, int ActiveWithVendor);

/// <summary>The requests waiting for her answer, and when the first of them expires.</summary>
public sealed record RequestRoom(int Pending, int PendingFromVendor, DateTimeOffset? FirstExpiry, DateTimeOffset? FirstExpiryFromVendor);

/// <summary>
/// Caps on what one customer accumulates, so that no caller (a script with her token, a vendor asking again and again)
/// can grow her grants or her inbox without end, and with them her export and every list. Each count and the write it
/// admits happen under one advisory lock per customer, so the cap holds under races and on every node.
/// </summary>
public static class ConsentCaps
{
    public static Task LockGrantsAsync(IDocumentSession session, Guid customerId, CancellationToken cancellationToken) =>
        Locks.LockAsync(session, "grants-of", customerId, Guid.Empty, cancellationToken);

    public static Task LockRequestsAsync(IDocumentSession session, Guid customerId, CancellationToken cancellationToken) =>
        Locks.LockAsync(session, "requests-to", customerId, Guid.Empty, cancellationToken);

    /// <summary>Her active grants, counted by the database (in the session's transaction, under her lock) rather than listed to be counted here.</summary>
    public static async Task<GrantRoom> GrantRoomAsync(IQuerySession session, Guid customerId, Guid vendorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
             SELECT count(*)::int, (count(*) FILTER (WHERE vendor_id = $2))::int FROM {session.DocumentStore.TableOf<Grant>()}
             WHERE customer_id = $1 AND status = '{GrantStatus.Active}' AND expires_at > $3
             """, session.Connection)
        {
            Parameters = { new() { Value = customerId }, new() { Value = vendorId }, new() { Value = now } },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new GrantRoom(reader.GetInt32(0), reader.GetInt32(1));
    }

    public static async Task<RequestRoom> RequestRoomAsync(IQuerySession session, Guid customerId, Guid vendorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pending = await session.Query<AccessRequest>().Where(r => r.CustomerId == customerId).WithStatus(AccessRequestStatus.Pending, now)
            .Select(r => new PendingRequest(r.VendorId, r.AnswerBy)).ToListAsync(cancellationToken);
        var fromVendor = pending.Where(r => r.VendorId == vendorId).ToList();
        return new RequestRoom(pending.Count, fromVendor.Count, pending.Min(r => (DateTimeOffset?)r.AnswerBy), fromVendor.Min(r => (DateTimeOffset?)r.AnswerBy));
    }

    /// <summary>A new grant needs room under both grant caps (409: she must end a grant first).</summary>
    public static void EnsureRoom(GrantRoom room, ConsentOptions options)
    {
        if (room.Active >= options.MaxActiveGrantsPerCustomer)
        {
            throw new CapReachedException("activeGrantsPerCustomer", options.MaxActiveGrantsPerCustomer, room.Active, StatusCodes.Status409Conflict,
                "Too many active grants.",
                $"The customer has {room.Active} active grants, the most one customer may hold ({options.MaxActiveGrantsPerCustomer}). End one first.");
        }

        if (room.ActiveWithVendor >= options.MaxActiveGrantsPerVendorAndCustomer)
        {
            throw new CapReachedException("activeGrantsPerVendorAndCustomer", options.MaxActiveGrantsPerVendorAndCustomer, room.ActiveWithVendor,
                StatusCodes.Status409Conflict, "Too many active grants with this vendor.",
                $"The customer has {room.ActiveWithVendor} active grants with this vendor, the most allowed ({options.MaxActiveGrantsPerVendorAndCustomer}). End one first.");
        }
    }

    /// <summary>A new request needs room under both request caps (429: answers and expiries make room; Retry-After says when one will).</summary>
    public static void EnsureRoom(RequestRoom room, ConsentOptions options, DateTimeOffset now)
    {
        if (room.PendingFromVendor >= options.MaxPendingRequestsPerVendorAndCustomer)
        {
            throw new CapReachedException("pendingRequestsPerVendorAndCustomer", options.MaxPendingRequestsPerVendorAndCustomer, room.PendingFromVendor,
                StatusCodes.Status429TooManyRequests, "Too many pending requests.",
                $"This customer has {room.PendingFromVendor} unanswered requests from you; wait for her answer before asking again.",
                room.FirstExpiryFromVendor - now);
        }

        if (room.Pending >= options.MaxPendingRequestsPerCustomer)
        {
            throw new CapReachedException("pendingRequestsPerCustomer", options.MaxPendingRequestsPerCustomer, room.Pending,
                StatusCodes.Status429TooManyRequests, "Too many pending requests for this customer.",
                $"This customer has {room.Pending} unanswered requests, the most one customer is asked at once; try again once she has answered some.",
                room.FirstExpiry - now);
        }
    }

    private sealed record PendingRequest(Guid VendorId, DateTimeOffset AnswerBy);
}
