using System.Net;
using System.Security.Cryptography;
using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerVault.Messages;

/// <summary>
/// The unsubscribe link of an e-mail (RFC 8058 one-click): a signed token that does one thing, end the sending vendor's
/// permission to contact her, without signing in. It names only the message; it expires; it is bound to this vault's
/// Data Protection keys, so it cannot be forged or turned into anything else.
/// </summary>
public sealed class UnsubscribeLinks(IDataProtectionProvider protection, VaultIssuer issuer, IOptions<MessageOptions> options)
{
    public const string Path = "/messages/unsubscribe";

    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("CustomerVault.Messages.Unsubscribe.v1").ToTimeLimitedDataProtector();

    public string For(Guid messageId) =>
        new Uri(issuer.Uri, $"{Path.TrimStart('/')}?token={_protector.Protect(messageId.ToString("N"), options.Value.UnsubscribeLinkLifetime)}").AbsoluteUri;

    /// <summary>The message a token was issued for; null when it is not one of ours, was altered, or expired.</summary>
    public Guid? Read(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 1000)
        {
            return null;
        }

        try
        {
            return Guid.TryParseExact(_protector.Unprotect(token), "N", out var id) ? id : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}

/// <summary>
/// The link's two doors: GET shows a page with one button (mail scanners follow links; a GET changes nothing), POST does
/// it, whether from that button or from her mail program's one-click unsubscribe (body <c>List-Unsubscribe=One-Click</c>).
/// </summary>
public static class UnsubscribeEndpoints
{
    public static IEndpointRouteBuilder MapUnsubscribe(this IEndpointRouteBuilder app)
    {
        app.MapGet(UnsubscribeLinks.Path, Confirm).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(UnsubscribeLinks.Path, Unsubscribe).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    private static async Task<ContentHttpResult> Confirm(
        string? token, UnsubscribeLinks links, IQuerySession session, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (await MessageOfAsync(token, links, dataSource, cancellationToken) is not { } message)
        {
            return Invalid();
        }

        var vendor = WebUtility.HtmlEncode(VendorSummary.Of(await session.LoadAsync<Vendor>(message.VendorId, cancellationToken), message.VendorId).Name);
        return Html(StatusCodes.Status200OK, $"Stop messages from {vendor}?",
            $"""
             <p>{vendor} will no longer be able to contact you through CustomerVault. What you allowed it to see stays as it is;
             you can change that in your vault.</p>
             <form method="post" action="{UnsubscribeLinks.Path}?token={WebUtility.UrlEncode(token)}">
             <button type="submit">Stop messages from {vendor}</button>
             </form>
             """);
    }

    private static async Task<ContentHttpResult> Unsubscribe(
        string? token, UnsubscribeLinks links, IDocumentSession session, NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await MessageOfAsync(token, links, dataSource, cancellationToken) is not { } message)
        {
            return Invalid();
        }

        // Recorded as hers: only her mailbox received the link.
        ActorContext.Stamp(session, $"{VaultClaims.ActorTypes.Customer}:{message.CustomerId}", null);
        await EndContactHandler.HandleAsync(session, message.CustomerId, message.VendorId,
            new EndContact(ContactEndReasons.Unsubscribed, message.Id, clock.Now()), cancellationToken);
        var vendor = WebUtility.HtmlEncode(VendorSummary.Of(await session.LoadAsync<Vendor>(message.VendorId, cancellationToken), message.VendorId).Name);
        return Html(StatusCodes.Status200OK, "You are unsubscribed",
            $"<p>{vendor} can no longer contact you through CustomerVault. Your vault's history shows the change.</p>");
    }

    private static async Task<StoredMessage?> MessageOfAsync(string? token, UnsubscribeLinks links, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (links.Read(token) is not { } messageId)
        {
            return null;
        }

        await using var command = dataSource.CreateCommand($"SELECT {MessageTable.Columns} FROM {MessageTable.Name} WHERE id = $1 AND sender = '{Senders.Vendor}'");
        command.Parameters.AddWithValue(messageId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? StoredMessage.Read(reader) : null;
    }

    private static ContentHttpResult Invalid() => Html(StatusCodes.Status400BadRequest, "This link does not work",
        "<p>The link is not valid or has expired. Sign in to your vault to stop messages from a company.</p>");

    private static ContentHttpResult Html(int status, string title, string body) => TypedResults.Content(
        $"""
         <!DOCTYPE html>
         <html lang="en"><head><meta charset="utf-8"><title>{title} · CustomerVault</title><link rel="stylesheet" href="/css/vault.css"></head>
         <body><main><h1>{title}</h1>{body}</main></body></html>
         """, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
}
