using System.Text.Json;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Profiles;
using CustomerVault.Vendors;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Polly;
using Polly.Retry;

namespace CustomerVault.Messages.Delivery;

/// <summary>A message claimed for delivery, still sealed.</summary>
public sealed record ClaimedMessage(Guid Id, Guid VendorId, Guid CustomerId, string Channel, string Purpose, StoredMessage Stored, int Attempts);

/// <summary>How one attempt ended: delivered, to be retried, or not to be retried (failed or cancelled).</summary>
public sealed record DeliveryOutcome(string Status, string? Error, bool Retry)
{
    public static readonly DeliveryOutcome Delivered = new(DeliveryStatus.Delivered, null, false);

    public static DeliveryOutcome Failed(string error) => new(DeliveryStatus.Failed, error, false);

    public static DeliveryOutcome Transient(string error) => new(DeliveryStatus.Failed, error, true);
}

/// <summary>
/// Delivers the messages the outbox holds, on every node that dispatches. Each node claims due messages with a lease in
/// one committed statement, sends outside any transaction, and records the outcome only while its claim stands, so a
/// message goes out once however many nodes run; a node that dies mid-send leaves a lease that runs out, and the message
/// goes out again with the same Message-ID (at least once, never silently lost). Quick retries within an attempt come
/// from Polly; later attempts follow <see cref="MessageOptions.RetrySchedule"/> on the vault's clock.
/// </summary>
public sealed class MessageDispatcher(
    NpgsqlDataSource dataSource, IDocumentStore store, CustomerKeyring keyring, IEmailSender email, ISmsSender sms, UnsubscribeLinks links,
    VaultIssuer issuer, IOptions<MessageOptions> options, TimeProvider clock, ILogger<MessageDispatcher> logger) : BackgroundService
{
    private const int BatchSize = 20;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private readonly string _node = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly ResiliencePipeline _retry = Pipeline(options.Value);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Dispatch)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                foreach (var message in await ClaimAsync(stoppingToken))
                {
                    await RecordAsync(message, await TryDeliverAsync(message, stoppingToken), stoppingToken);
                    sent++;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The database is away (or not migrated yet): claims run out and the next round takes them again.
                logger.LogWarning("Message delivery paused: {Reason}", e.Message);
            }
            catch (Exception e)
            {
                // Whatever went wrong, the dispatcher keeps running: a stopped dispatcher would stop every customer's mail.
                logger.LogError("Message delivery round failed: {Failure}", e.GetType().Name);
            }

            if (sent < BatchSize)
            {
                await Task.Delay(options.Value.PollInterval, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }

    private async Task<IReadOnlyList<ClaimedMessage>> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
             UPDATE {MessageTable.Name} m SET claimed_by = $2, claimed_until = clock_timestamp() + $3
             FROM (SELECT id FROM {MessageTable.Name}
                   WHERE status = 'pending' AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
                   ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED) due
             WHERE m.id = due.id
             RETURNING {string.Join(", ", MessageTable.Columns.Split(", ").Select(c => "m." + c))}, m.attempts
             """);
        command.Parameters.AddWithValue(clock.Now());
        command.Parameters.AddWithValue(_node);
        command.Parameters.AddWithValue(Lease);
        command.Parameters.AddWithValue(BatchSize);
        var claimed = new List<ClaimedMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var stored = StoredMessage.Read(reader);
            claimed.Add(new ClaimedMessage(stored.Id, stored.VendorId, stored.CustomerId, stored.Channel, stored.Purpose ?? "", stored, reader.GetInt32(14)));
        }

        return claimed;
    }

    // One message that cannot be sent (say, content that no longer opens) is retried on its schedule and then parked;
    // it never holds up the others.
    private async Task<DeliveryOutcome> TryDeliverAsync(ClaimedMessage message, CancellationToken cancellationToken)
    {
        try
        {
            return await DeliverAsync(message, cancellationToken);
        }
        catch (Exception e) when (e is not (OperationCanceledException or NpgsqlException))
        {
            logger.LogError("Message {MessageId} could not be prepared for delivery: {Failure}", message.Id, e.GetType().Name);
            return DeliveryOutcome.Transient($"{e.GetType().Name}: {e.Message}");
        }
    }

    private async Task<DeliveryOutcome> DeliverAsync(ClaimedMessage message, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var profile = await session.LoadAsync<Profile>(message.CustomerId, cancellationToken);
        var cipher = await keyring.OpenAsync(session, message.CustomerId, cancellationToken);
        if (profile is null || profile.ErasedAt is not null || cipher is null)
        {
            return new DeliveryOutcome(DeliveryStatus.Cancelled, "She erased her account before it was sent.", false);
        }

        var attribute = SendMessage.AddressAttribute(message.Channel)!;
        if (!profile.Attributes.TryGetValue(attribute, out var sealedAddress))
        {
            return DeliveryOutcome.Failed($"She no longer keeps {attribute} in her vault.");
        }

        // Her address is opened here, used for this one send, and kept nowhere else.
        var address = JsonSerializer.Deserialize<string>(cipher.Open(attribute, sealedAddress))!;
        var content = MessageContent.Open(cipher, message.Stored)!;
        var vendorName = VendorSummary.Of(await session.LoadAsync<Vendor>(message.VendorId, cancellationToken), message.VendorId).Name;
        // The vault's own messages are about her consent: there is no vendor contact to stop from them.
        var fromVault = message.Stored.Sender == Senders.Vault;
        var unsubscribe = fromVault ? null : links.For(message.Id);
        try
        {
            await _retry.ExecuteAsync(async token =>
            {
                if (message.Channel == "sms")
                {
                    await sms.SendAsync(message.Id, address,
                        fromVault ? $"CustomerVault: {content.Subject}\n{content.Body}" : $"{vendorName}: {content.Subject}\n{content.Body}\nStop: {unsubscribe}", token);
                }
                else
                {
                    var envelope = new MailEnvelope(message.Id, vendorName, options.Value.Smtp.SenderAddress, address, message.Purpose, message.Stored.CreatedAt,
                        new Uri(issuer.Uri, "portal/messages").AbsoluteUri, unsubscribe);
                    await email.SendAsync(MessageMime.Build(envelope, content), token);
                }
            }, cancellationToken);
            return DeliveryOutcome.Delivered;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            // The error may quote her address: it stays in the outbox row for operators, never in a vendor's view or the log.
            logger.LogWarning("Message {MessageId} ({Channel}) was not delivered: {Failure}", message.Id, message.Channel, e.GetType().Name);
            return SmtpEmailSender.IsPermanent(e) ? DeliveryOutcome.Failed(e.Message) : DeliveryOutcome.Transient(e.Message);
        }
    }

    private async Task RecordAsync(ClaimedMessage message, DeliveryOutcome outcome, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var schedule = options.Value.RetrySchedule;
        var attempts = message.Attempts + 1;
        DateTimeOffset? retryAt = outcome.Retry && attempts <= schedule.Count ? now + schedule[attempts - 1] : null;
        var status = retryAt is null ? outcome.Status : DeliveryStatus.Pending;
        await using var command = dataSource.CreateCommand(
            $"""
             UPDATE {MessageTable.Name} SET status = $3, attempts = attempts + 1, last_attempt_at = $4, next_attempt_at = $5, last_error = $6,
                    delivered_at = $7, claimed_by = NULL, claimed_until = NULL
             WHERE id = $1 AND claimed_by = $2 AND status = 'pending'
             """);
        command.Parameters.AddWithValue(message.Id);
        command.Parameters.AddWithValue(_node);
        command.Parameters.AddWithValue(status);
        command.Parameters.AddWithValue(now);
        command.Parameters.Add(new() { Value = (object?)retryAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)outcome.Error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = status == DeliveryStatus.Delivered ? now : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            logger.LogWarning("Message {MessageId}: the outcome was not recorded, this node's claim had run out", message.Id);
        }
    }

    private static ResiliencePipeline Pipeline(MessageOptions options)
    {
        var builder = new ResiliencePipelineBuilder();
        if (options.RetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(SmtpEmailSender.IsTransient),
                MaxRetryAttempts = options.RetryAttempts,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        }

        return builder.Build();
    }
}
