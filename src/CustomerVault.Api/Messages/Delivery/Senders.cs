using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace CustomerVault.Messages.Delivery;

/// <summary>Hands an e-mail to whatever carries it on; throws when it was not accepted.</summary>
public interface IEmailSender
{
    Task SendAsync(MimeMessage message, CancellationToken cancellationToken);
}

/// <summary>Sends through the configured SMTP relay (MailKit), one connection per message.</summary>
public sealed class SmtpEmailSender(IOptions<MessageOptions> options) : IEmailSender
{
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var smtp = options.Value.Smtp;
        using var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        await client.ConnectAsync(smtp.Host!, smtp.Port, smtp.Security, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.UserName))
        {
            await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", cancellationToken);
        }

        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
    }

    /// <summary>Failures worth a quick retry inside one attempt: the relay was unreachable or said "try again later" (4xx).</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        SocketException or IOException or TimeoutException or ServiceNotConnectedException => true,
        SmtpCommandException command => (int)command.StatusCode is >= 400 and < 500,
        SmtpProtocolException => true,
        _ => false,
    };

    /// <summary>Failures no later attempt will cure: the relay refused the recipient or the message for good (5xx), or the address cannot be parsed.</summary>
    public static bool IsPermanent(Exception e) => e switch
    {
        SmtpCommandException command => (int)command.StatusCode >= 500,
        ParseException or FormatException => true,
        _ => false,
    };
}

/// <summary>
/// Without a relay (the embedded default): each e-mail becomes an <c>.eml</c> file in the pickup folder, named after the
/// message, written whole or not at all, for a newcomer to open what would have been sent.
/// </summary>
public sealed class PickupFolderEmailSender(string directory) : IEmailSender
{
    public string Directory => directory;

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{(message.MessageId ?? Guid.NewGuid().ToString("N")).Split('@')[0]}.eml");
        var partial = path + ".partial";
        await message.WriteToAsync(partial, cancellationToken);
        File.Move(partial, path, overwrite: true);
    }
}

/// <summary>Sends a text message to a phone number; the provider is configuration (<c>Vault:Messages:Sms:Provider</c>).</summary>
public interface ISmsSender
{
    Task SendAsync(Guid messageId, string phoneNumber, string text, CancellationToken cancellationToken);
}

/// <summary>The development provider: writes each SMS to the log instead of sending it, the number masked.</summary>
public sealed class LogSmsSender(ILogger<LogSmsSender> logger) : ISmsSender
{
    public Task SendAsync(Guid messageId, string phoneNumber, string text, CancellationToken cancellationToken)
    {
        logger.LogInformation("SMS {MessageId} to {PhoneNumber} (not sent: the log provider is configured): {Text}", messageId, Mask(phoneNumber), text);
        return Task.CompletedTask;
    }

    // Enough to tell two test numbers apart, not enough to call her.
    public static string Mask(string phoneNumber) => phoneNumber.Length <= 4 ? "****" : new string('*', phoneNumber.Length - 2) + phoneNumber[^2..];
}
