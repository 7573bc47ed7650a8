using System.Diagnostics;
using System.Security.Claims;
using CustomerVault.Identity;
using Marten;

namespace CustomerVault.Infrastructure.EventStore;

/// <summary>
/// Stamps every session with who acts (recorded on each event as its user name: <c>customer:{id}</c>,
/// <c>client:{client_id}</c> or <c>system:{task}</c>) and the request's correlation (trace) and causation
/// (request) ids, so the audit trail can say who did what, in which request, for every event.
/// </summary>
public static class ActorContext
{
    public static void Stamp(IDocumentSession session, string actor, string? requestId)
    {
        session.LastModifiedBy = actor;
        session.CorrelationId = Activity.Current?.TraceId.ToString() ?? requestId;
        session.CausationId = requestId;
    }

    public static void Stamp(IDocumentSession session, HttpContext? httpContext) =>
        Stamp(session, httpContext is null ? "system:host" : Actor.Describe(httpContext.User), httpContext?.TraceIdentifier);
}

/// <summary>Opens sessions stamped with the current request's actor and correlation.</summary>
public sealed class VaultSessionFactory(IDocumentStore store, IHttpContextAccessor httpContextAccessor) : SessionFactoryBase(store)
{
    public override Marten.Services.SessionOptions BuildOptions() => new() { Tracking = DocumentTracking.None };

    public override void ApplyMetadata(IDocumentSession documentSession) =>
        ActorContext.Stamp(documentSession, httpContextAccessor.HttpContext);
}

public static class Actor
{
    /// <summary>The stable description of a token's or cookie's holder, as stored on events.</summary>
    public static string Describe(ClaimsPrincipal user)
    {
        var subject = user.FindFirstValue(VaultClaims.Subject);
        var actorType = user.FindFirstValue(VaultClaims.ActorType);
        return subject is null || actorType is null ? "anonymous" : $"{actorType}:{subject}";
    }
}
