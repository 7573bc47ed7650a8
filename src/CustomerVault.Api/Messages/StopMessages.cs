using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Messages;

/// <param name="GrantsChanged">How many of your grants to the company allowed contact until now.</param>
public sealed record ContactStopped(Guid VendorId, int GrantsChanged);

/// <summary>
/// "Stop messages from this company": the contact terms of every active grant she gave the vendor end (an event on each
/// grant, in her history and sent to the vendor as grant.contact-ended); what the vendor may read stays as it was.
/// </summary>
public static class StopMessages
{
    public static RouteHandlerBuilder MapStopMessages(this IEndpointRouteBuilder me) =>
        me.MapPost("/vendors/{vendorId:guid}/stop-messages", Handle)
            .WithName("StopMessages")
            .WithSummary("Stop messages from this company: your grants to it no longer allow contact; what it may read is unchanged")
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<ContactStopped>, ProblemHttpResult>> Handle(
        Guid vendorId, CustomerPrincipal customer, IDocumentSession session, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!await session.Query<Grant>().AnyAsync(g => g.CustomerId == customer.Id && g.VendorId == vendorId, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such company.", detail: "You have never granted this company access.");
        }

        var changed = await EndContactHandler.HandleAsync(session, customer.Id, vendorId, new EndContact(ContactEndReasons.Stopped, null, clock.Now()), cancellationToken);
        return TypedResults.Ok(new ContactStopped(vendorId, changed));
    }
}
