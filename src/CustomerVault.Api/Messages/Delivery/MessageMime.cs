using MimeKit;

namespace CustomerVault.Messages.Delivery;

/// <summary>What an e-mail carries besides the vendor's words.</summary>
/// <param name="InboxUrl">Where she reads and answers it in her vault.</param>
/// <param name="UnsubscribeUrl">The one-click link that ends the vendor's contact (RFC 8058); absent on the vault's own messages, which are about her consent, not marketing.</param>
public sealed record MailEnvelope(
    Guid MessageId, string VendorName, string SenderAddress, string RecipientAddress, string Purpose, DateTimeOffset SentAt, string InboxUrl, string? UnsubscribeUrl);

public static class MessageMime
{
    /// <summary>
    /// The e-mail of a vendor's message: from the vault's address under the vendor's name (the vault sends it, the vendor
    /// never learns where), plain text, with RFC 8058 one-click unsubscribe. The Message-ID derives from the message, so a
    /// resend after a crash is recognisably the same mail.
    /// </summary>
    public static MimeMessage Build(MailEnvelope envelope, MessageContent content)
    {
        var senderDomain = envelope.SenderAddress[(envelope.SenderAddress.LastIndexOf('@') + 1)..];
        var footer = envelope.UnsubscribeUrl is { } unsubscribe
            ? $"""
               {envelope.VendorName} sent you this through CustomerVault ({envelope.Purpose}); it never learns your address.
               Read and answer it in your vault: {envelope.InboxUrl}
               Stop messages from {envelope.VendorName}: {unsubscribe}
               """
            : $"""
               CustomerVault sent you this about what you share with {envelope.VendorName}; {envelope.VendorName} does not see it.
               Your inbox: {envelope.InboxUrl}
               """;
        var message = new MimeMessage
        {
            MessageId = $"{envelope.MessageId:N}@{senderDomain}",
            Date = envelope.SentAt,
            Subject = content.Subject,
            Body = new TextPart("plain")
            {
                Text = $"""
                        {content.Body}

                        --
                        {footer}
                        """,
            },
        };
        message.From.Add(new MailboxAddress(envelope.UnsubscribeUrl is null ? "CustomerVault" : envelope.VendorName, envelope.SenderAddress));
        message.To.Add(MailboxAddress.Parse(envelope.RecipientAddress));
        if (envelope.UnsubscribeUrl is not null)
        {
            message.Headers.Add("List-Unsubscribe", $"<{envelope.UnsubscribeUrl}>");
            message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }

        message.Headers.Add("Auto-Submitted", "auto-generated");
        return message;
    }
}
