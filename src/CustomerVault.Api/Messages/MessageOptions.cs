using MailKit.Security;

namespace CustomerVault.Messages;

/// <summary>Message delivery settings (section <c>Vault:Messages</c>).</summary>
public sealed class MessageOptions
{
    public const string Section = "Vault:Messages";

    /// <summary>Whether this node delivers (every node may; set false on nodes that should only serve requests).</summary>
    public bool Dispatch { get; set; } = true;

    /// <summary>How often an idle dispatcher looks for due deliveries.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Quick retries inside one delivery attempt (exponential back-off with jitter).</summary>
    public int RetryAttempts { get; set; } = 2;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// When a delivery failed, when to try it again: one entry per further attempt; after the last it is parked as failed.
    /// Empty means <see cref="DefaultRetrySchedule"/>.
    /// </summary>
    public List<TimeSpan> RetrySchedule { get; set; } = [];

    public static IReadOnlyList<TimeSpan> DefaultRetrySchedule { get; } =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(6), TimeSpan.FromDays(1),
    ];

    /// <summary>How long the unsubscribe link in an e-mail works.</summary>
    public TimeSpan UnsubscribeLinkLifetime { get; set; } = TimeSpan.FromDays(365);

    public SmtpOptions Smtp { get; set; } = new();

    public SmsOptions Sms { get; set; } = new();
}

/// <summary>
/// The relay e-mail leaves through (<c>Vault:Messages:Smtp</c>). Without a <see cref="Host"/>, e-mail is written as
/// <c>.eml</c> files to <see cref="PickupDirectory"/> instead (the embedded default), to open in any mail program.
/// </summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>None, Auto, SslOnConnect, StartTls or StartTlsWhenAvailable (MailKit's names).</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTls;

    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The vault's own address: every message is from it, under the vendor's name.</summary>
    public string SenderAddress { get; set; } = "messages@customervault.localhost";

    /// <summary>Where e-mail goes without a relay; default: <c>outgoing-mail</c> in the data folder.</summary>
    public string? PickupDirectory { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The SMS provider (<c>Vault:Messages:Sms</c>).</summary>
public sealed class SmsOptions
{
    /// <summary><c>log</c>: writes each SMS to the vault's log instead of sending it (development).</summary>
    public string Provider { get; set; } = "log";
}
