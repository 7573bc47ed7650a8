using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Telemetry;
using CustomerVault.Messages.Delivery;
using Microsoft.Extensions.Options;

namespace CustomerVault.Messages;

public static class MessageSetup
{
    /// <summary>
    /// Messages between vendors and customers: their table (which is also the delivery outbox), the unsubscribe links,
    /// the e-mail sender (the SMTP relay when one is configured, otherwise .eml files in the data folder), the SMS
    /// provider, and the dispatcher.
    /// </summary>
    public static IHostApplicationBuilder AddVaultMessages(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSchemaScript(MessageTable.InstallSql);
        services.AddOptions<MessageOptions>().Bind(builder.Configuration.GetSection(MessageOptions.Section))
            .PostConfigure(o =>
            {
                if (o.RetrySchedule.Count == 0)
                {
                    o.RetrySchedule.AddRange(MessageOptions.DefaultRetrySchedule);
                }

                o.Smtp.PickupDirectory ??= Path.Combine(VaultPaths.DataDirectory(builder.Configuration), "outgoing-mail");
            })
            .Validate(o => o.RetrySchedule.TrueForAll(t => t > TimeSpan.Zero), $"{MessageOptions.Section}:RetrySchedule entries must be positive.")
            .Validate(o => o.Smtp.Port is > 0 and < 65536, $"{MessageOptions.Section}:Smtp:Port must be a TCP port.")
            .Validate(o => MimeKit.MailboxAddress.TryParse(o.Smtp.SenderAddress, out _), $"{MessageOptions.Section}:Smtp:SenderAddress must be an e-mail address.")
            .Validate(o => o.Sms.Provider == "log", $"{MessageOptions.Section}:Sms:Provider must be 'log' (the only provider built in).")
            .ValidateOnStart();
        services.AddSingleton<UnsubscribeLinks>();
        services.AddSingleton<IEmailSender>(sp => sp.GetRequiredService<IOptions<MessageOptions>>().Value.Smtp is { Host: { Length: > 0 } }
            ? ActivatorUtilities.CreateInstance<SmtpEmailSender>(sp)
            : new PickupFolderEmailSender(sp.GetRequiredService<IOptions<MessageOptions>>().Value.Smtp.PickupDirectory!));
        services.AddSingleton<ISmsSender, LogSmsSender>();
        services.AddHostedService<MessageDispatcher>();
        services.AddOutboxProbe<MessageOutboxProbe>();
        return builder;
    }
}
