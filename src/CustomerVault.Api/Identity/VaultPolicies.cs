using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace CustomerVault.Identity;

/// <summary>
/// Who may call what. Each API endpoint names one policy: the kind of party (customer, vendor, auditor,
/// operator) and the OAuth scope its token must carry. Ownership (whose data) is checked by the handlers.
/// </summary>
public static class VaultPolicies
{
    public static string Customer(string scope) => $"{VaultClaims.ActorTypes.Customer}:{scope}";
    public static string Vendor => $"{VaultClaims.ActorTypes.Vendor}:{VaultScopes.Access}";
    public static string Auditor => $"{VaultClaims.ActorTypes.Auditor}:{VaultScopes.Audit}";
    public static string Operator => $"{VaultClaims.ActorTypes.Operator}:{VaultScopes.Admin}";

    public static IServiceCollection AddVaultAuthorization(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder()
            .AddApiPolicy(VaultClaims.ActorTypes.Customer, VaultScopes.Profile)
            .AddApiPolicy(VaultClaims.ActorTypes.Customer, VaultScopes.Consents)
            .AddApiPolicy(VaultClaims.ActorTypes.Vendor, VaultScopes.Access)
            .AddApiPolicy(VaultClaims.ActorTypes.Auditor, VaultScopes.Audit)
            .AddApiPolicy(VaultClaims.ActorTypes.Operator, VaultScopes.Admin);
        services.AddSingleton<IAuthorizationHandler, ApiAccessHandler>();
        services.AddSingleton<ValidatedTokens>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, CachedBearerHandler>(CachedBearerHandler.SchemeName, null);
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        return services;
    }

    private static AuthorizationBuilder AddApiPolicy(this AuthorizationBuilder builder, string actorType, string scope) =>
        builder.AddPolicy($"{actorType}:{scope}", policy => policy
            .AddAuthenticationSchemes(CachedBearerHandler.SchemeName)
            .RequireAuthenticatedUser()
            .AddRequirements(new ApiAccessRequirement(actorType, scope)));
}

public sealed record ApiAccessRequirement(string ActorType, string Scope) : IAuthorizationRequirement;

public sealed class ApiAccessHandler : AuthorizationHandler<ApiAccessRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiAccessRequirement requirement)
    {
        var actorType = context.User.FindFirstValue(VaultClaims.ActorType);
        if (actorType != requirement.ActorType)
        {
            context.Fail(new AuthorizationFailureReason(this,
                $"This endpoint serves {requirement.ActorType}s; the access token was issued to a {actorType ?? "party of unknown kind"}."));
        }
        else if (!context.User.HasScope(requirement.Scope))
        {
            context.Fail(new AuthorizationFailureReason(this, $"The access token lacks the '{requirement.Scope}' scope."));
        }
        else
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Answers API authorization failures as problem documents: 401 when the token is missing, invalid or
/// expired (with the WWW-Authenticate challenge of RFC 6750), 403 when it belongs to the wrong kind of
/// party or lacks the scope. Cookie-protected pages keep their redirects.
/// </summary>
public sealed class ProblemAuthorizationResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var isApi = policy.AuthenticationSchemes.Contains(CachedBearerHandler.SchemeName);
        if (!isApi || authorizeResult.Succeeded)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        if (authorizeResult.Challenged)
        {
            var authentication = await context.AuthenticateAsync(CachedBearerHandler.SchemeName);
            await context.ChallengeAsync(CachedBearerHandler.SchemeName);
            await WriteAsync(context, StatusCodes.Status401Unauthorized, "Authentication is required.",
                authentication.Failure is null
                    ? "Send an OAuth 2.0 access token in the Authorization header: 'Bearer {token}'."
                    : "The access token is invalid or has expired. Get a new one from the token endpoint.");
            return;
        }

        var reasons = authorizeResult.AuthorizationFailure?.FailureReasons.Select(r => r.Message).ToList() ?? [];
        await WriteAsync(context, StatusCodes.Status403Forbidden, "The access token does not allow this request.",
            reasons.Count > 0 ? string.Join(" ", reasons) : "The token does not carry the permission this endpoint requires.");
    }

    private async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}

/// <summary>The calling customer, bound from a token that the customer policy has already accepted.</summary>
public sealed record CustomerPrincipal(Guid Id)
{
    /// <remarks>
    /// A token stays valid for minutes after its customer erased her account; binding refuses it (410) so that no
    /// endpoint has to remember to.
    /// </remarks>
    public static async ValueTask<CustomerPrincipal?> BindAsync(HttpContext context)
    {
        if (context.User.FindFirstValue(VaultClaims.ActorType) != VaultClaims.ActorTypes.Customer
            || !Guid.TryParse(context.User.FindFirstValue(VaultClaims.Subject), out var id))
        {
            throw new InvalidOperationException("A customer endpoint was reached without a customer's token; its policy is missing.");
        }

        if (await context.RequestServices.GetRequiredService<MyData.ErasedCustomers>().IsErasedAsync(id, context.RequestAborted))
        {
            throw new Infrastructure.Http.CustomerErasedException(id);
        }

        return new CustomerPrincipal(id);
    }
}
