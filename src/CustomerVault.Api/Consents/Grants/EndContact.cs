using Marten;

namespace CustomerVault.Consents;

public static class ContactEndReasons
{
    public const string Stopped = "stopped";
    public const string Unsubscribed = "unsubscribed";
    public const string ReportedUnwanted = "reported-unwanted";
}

public sealed record EndContact(string Reason, Guid? MessageId, DateTimeOffset Now);

public static partial class GrantDecider
{
    /// <summary>
    /// She no longer wants to hear from the vendor under this grant: its contact terms end, the access it gives stays.
    /// Nothing to record for a grant that is not active or already allows no contact.
    /// </summary>
    public static GrantContactEnded? Decide(EndContact command, Grant grant) =>
        grant.IsActiveAt(command.Now) && grant.ContactTerms is not null
            ? new GrantContactEnded(grant.Id, command.Reason, command.MessageId, command.Now)
            : null;
}

/// <summary>
/// "Stop messages from this company", the unsubscribe link in a message, and a report of an unwanted message all end
/// the contact terms of every active grant she gave the vendor, in one transaction; the vendor hears it by webhook.
/// </summary>
public static class EndContactHandler
{
    /// <returns>How many grants allowed contact until now.</returns>
    public static async Task<int> HandleAsync(
        IDocumentSession session, Guid customerId, Guid vendorId, EndContact command, CancellationToken cancellationToken)
    {
        var grants = await session.Query<Grant>().Where(g => g.CustomerId == customerId && g.VendorId == vendorId)
            .WithStatus(GrantStatus.Active, command.Now).ToListAsync(cancellationToken);
        var ended = 0;
        foreach (var grant in grants)
        {
            var stream = await session.Events.FetchForWriting<Grant>(grant.Id, cancellationToken);
            if (stream.Aggregate is not null && GrantDecider.Decide(command, stream.Aggregate) is { } e)
            {
                stream.AppendOne(e);
                ended++;
            }
        }

        await session.SaveChangesAsync(cancellationToken);
        return ended;
    }
}
