using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Kernel;

namespace CustomerVault.Messages;

/// <summary>What a message says: a subject line and a plain-text body, bounded, sealed with her data key.</summary>
public sealed record MessageContent(string Subject, string Body)
{
    public const int MaxSubjectLength = 200;
    public const int MaxBodyLength = 10_000;

    /// <summary>
    /// Checks a subject and a body as they came: plain text only. A subject is one line (a line break in it would let the
    /// sender write mail headers of its own); a body may break lines but carries no other control characters.
    /// </summary>
    public static MessageContent? Validate(string? subject, string? body, ValidationContext errors)
    {
        var trimmedSubject = subject?.Trim();
        if (string.IsNullOrEmpty(trimmedSubject) || trimmedSubject.Length > MaxSubjectLength)
        {
            errors.Add("subject", $"is required: 1 to {MaxSubjectLength} characters.");
        }
        else if (trimmedSubject.Any(char.IsControl))
        {
            errors.Add("subject", "must be one line of text, without control characters.");
        }

        var trimmedBody = body?.Trim();
        if (string.IsNullOrEmpty(trimmedBody) || trimmedBody.Length > MaxBodyLength)
        {
            errors.Add("body", $"is required: 1 to {MaxBodyLength} characters of plain text.");
        }
        else if (trimmedBody.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
        {
            errors.Add("body", "must be plain text: line breaks and tabs are the only control characters allowed.");
        }

        return errors.HasErrors ? null : new MessageContent(trimmedSubject!, trimmedBody!.ReplaceLineEndings("\n"));
    }

    public (string Subject, string Body) Seal(CustomerCipher cipher, Guid messageId) =>
        (cipher.Seal(SubjectContext(messageId), Subject), cipher.Seal(BodyContext(messageId), Body));

    /// <summary>The content of a stored message; null when her key is gone (she erased her account).</summary>
    public static MessageContent? Open(CustomerCipher? cipher, StoredMessage message) => cipher is null
        ? null
        : new MessageContent(cipher.Open(SubjectContext(message.Id), message.SealedSubject), cipher.Open(BodyContext(message.Id), message.SealedBody));

    // Bound to the message: a sealed body copied to another message does not open.
    private static string SubjectContext(Guid messageId) => $"message/{messageId:N}/subject";

    private static string BodyContext(Guid messageId) => $"message/{messageId:N}/body";
}
