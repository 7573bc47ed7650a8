using CustomerVault.Audit;
using CustomerVault.Identity;
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
            .WithDescription("The JWS payload is a JSON document: your profile values, requests, grants with their consent receipts, "
                             + "the reads of your data and the contacts. Verify the signature with the keys at /.well-known/jwks.")
            .Produces<string>(StatusCodes.Status200OK, JoseMediaType)
            .ProducesProblem(StatusCodes.Status410Gone);
        me.MapDelete("", Erase).WithName("EraseMe")
            .WithSummary("Erase your account: revoke every grant, destroy your data key, close the sign-in")
            .WithDescription("Final. Vendors holding active grants are notified of the revocation. Your consent history stays, without values, "
                             + "and still verifies; afterwards every request about you answers 410.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);
        return me;
    }

    private static async Task<IResult> Export(CustomerPrincipal customer, CustomerExport export, HttpRequest request, CancellationToken cancellationToken)
    {
        var document = await export.BuildAsync(customer.Id, Receipts.Issuer(request), cancellationToken);
        return TypedResults.File(System.Text.Encoding.ASCII.GetBytes(export.Sign(document)), JoseMediaType, CustomerExport.FileName(document, "jws"));
    }

    private static async Task<Ok<ErasureReport>> Erase(CustomerPrincipal customer, CustomerErasure erasure, CancellationToken cancellationToken) =>
        TypedResults.Ok(await erasure.EraseAsync(customer.Id, cancellationToken));
}
