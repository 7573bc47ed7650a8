using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Kernel;
using CustomerVault.Messages;
using CustomerVault.Messages.Delivery;

namespace CustomerVault.Tests.Messages;

public sealed class MessageContentTests
{
    private static (MessageContent? Content, IReadOnlyDictionary<string, string[]> Errors) Validate(string? subject, string? body)
    {
        var errors = new ValidationContext(new DateOnly(2026, 3, 1));
        return (MessageContent.Validate(subject, body, errors), errors.ToDictionary());
    }

    [Theory]
    [InlineData("Hello\r\nBcc: x@example.org")]
    [InlineData("Hello\nthere")]
    [InlineData("Bell\u0007")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void A_subject_is_one_line_of_text(string? subject) => Assert.Equal(["subject"], Validate(subject, "Body").Errors.Keys);

    [Fact]
    public void A_subject_is_at_most_200_characters()
    {
        Assert.Empty(Validate(new string('s', 200), "Body").Errors);
        Assert.Equal(["subject"], Validate(new string('s', 201), "Body").Errors.Keys);
    }

    [Fact]
    public void A_body_is_plain_text_that_may_break_lines_up_to_10000_characters()
    {
        var (content, errors) = Validate(" Hi ", "Line one\r\nLine two\tand a tab ");

        Assert.Empty(errors);
        Assert.Equal(new MessageContent("Hi", "Line one\nLine two\tand a tab"), content);
        Assert.Equal(["body"], Validate("Hi", "Nul\0").Errors.Keys);
        Assert.Equal(["body"], Validate("Hi", new string('b', 10_001)).Errors.Keys);
        Assert.Equal(["body"], Validate("Hi", null).Errors.Keys);
    }

    [Fact]
    public void Sealed_content_opens_only_for_its_own_message()
    {
        var cipher = new CustomerCipher(Guid.NewGuid(), new byte[32]);
        var id = Guid.NewGuid();
        var (subject, body) = new MessageContent("Hi", "There").Seal(cipher, id);
        StoredMessage Stored(Guid messageId) => new(messageId, Guid.NewGuid(), cipher.CustomerId, "vendor", "email", "marketing", null, null, subject, body,
            DateTimeOffset.UnixEpoch, null, "pending", null);

        Assert.Equal(new MessageContent("Hi", "There"), MessageContent.Open(cipher, Stored(id)));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => MessageContent.Open(cipher, Stored(Guid.NewGuid())));
        Assert.Null(MessageContent.Open(null, Stored(id)));
    }

    [Fact]
    public void The_email_is_from_the_vault_under_the_vendors_name_with_one_click_unsubscribe()
    {
        var id = Guid.Parse("0193a2f0-0000-7000-8000-000000000009");
        var envelope = new MailEnvelope(id, "Stargazer \"Optics\"", "messages@vault.example", "ada@example.org", "marketing",
            new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero), "https://vault.example/portal/messages", "https://vault.example/messages/unsubscribe?token=abc");

        var mail = MessageMime.Build(envelope, new MessageContent("New lenses", "Try them."));

        var from = Assert.Single(mail.From.Mailboxes);
        Assert.Equal(("Stargazer \"Optics\"", "messages@vault.example"), (from.Name, from.Address));
        Assert.Equal("ada@example.org", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Equal($"{id:N}@vault.example", mail.MessageId);
        Assert.Equal("<https://vault.example/messages/unsubscribe?token=abc>", mail.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", mail.Headers["List-Unsubscribe-Post"]);
        Assert.StartsWith("Try them.", mail.TextBody);
        Assert.Contains("https://vault.example/portal/messages", mail.TextBody);
    }
}
