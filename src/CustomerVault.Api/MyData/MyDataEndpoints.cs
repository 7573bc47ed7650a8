using CustomerVault.Audit;
using CustomerVault.Identity;
using CustomerVault.Infrastructure.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.MyData;

/// <summary>The customer's two rights over the vault itself: take everything with her, and make it disappear.</summary>
public static class MyDataEndpoints
{
    public const string JoseMediaType = "application/jose";

    public static RouteGroupBuilder MapMyData(this RouteGroupBuilder me)
    {
        me.MapGet("/export", Export).WithName("ExportMyData")
            .WithSummary("Everything the vault holds for you, as one document signed by the vault (compact JWS)")
            .WithDescription("The JWS payload is a JSON document (format customervault-export/v2): your profile values, requests, grants with "
                             + "their consent receipts, the reads of your data and the contacts. It is streamed: the signature comes last, so a "
                             + "download cut short never verifies. Verify the signature with the keys at /.well-known/jwks.")
            .Produces<string>(StatusCodes.Status200OK, JoseMediaType)
            .ProducesProblem(StatusCodes.Status410Gone)
            .RequireRateLimiting(RateLimits.Export);
        me.MapDelete("", Erase).WithName("EraseMe")
            .WithSummary("Erase your account: revoke every grant, destroy your data key, close the sign-in")
            .WithDescription("Final. Vendors holding active grants are notified of the revocation. Your consent history stays, without values, "
                             + "and still verifies; afterwards every request about you answers 410.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);
        return me;
    }

    private static async Task<EmptyHttpResult> Export(CustomerPrincipal customer, CustomerExport export, HttpRequest request, CancellationToken cancellationToken)
    {
        await export.WriteAsync(request.HttpContext.Response, customer.Id, signed: true, cancellationToken);
        return TypedResults.Empty;
    }

    private static async Task<Ok<ErasureReport>> Erase(CustomerPrincipal customer, CustomerErasure erasure, CancellationToken cancellationToken) =>
        TypedResults.Ok(await erasure.EraseAsync(customer.Id, cancellationToken));
}
