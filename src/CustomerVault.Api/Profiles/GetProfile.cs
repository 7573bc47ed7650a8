using CustomerVault.Identity;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.Http;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Profiles;

public static class GetProfile
{
    public static RouteHandlerBuilder MapGetProfile(this IEndpointRouteBuilder me) =>
        me.MapGet("/profile", Handle)
            .WithName("GetMyProfile")
            .WithSummary("Read your profile")
            .WithDescription("The ETag header carries the profile's version; send it back as If-Match when you change the profile.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(VaultPolicies.Customer(VaultScopes.Profile));

    private static async Task<Results<Ok<ProfileDocument>, ProblemHttpResult>> Handle(
        HttpResponse response, CustomerPrincipal customer, IQuerySession session, CustomerKeyring keyring, CancellationToken cancellationToken)
    {
        var profile = await session.LoadAsync<Profile>(customer.Id, cancellationToken);
        var cipher = await keyring.OpenAsync(session, customer.Id, cancellationToken);
        if (profile is null || cipher is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "This account has no profile in the vault.");
        }

        ETag.Set(response, profile.Version);
        return TypedResults.Ok(ProfileDocument.From(ProfileDocument.Open(profile.Attributes, cipher)));
    }
}
