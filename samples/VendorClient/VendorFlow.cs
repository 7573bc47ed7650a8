using System.Text.Json.Nodes;

namespace VendorClient;

/// <summary>
/// The life of one relationship as a vendor lives it: ask, learn the answer, read what was granted, and keep
/// following the grant until the customer ends it, at which point the data goes.
/// </summary>
public sealed class VendorFlow(VaultClient vault, WebhookListener listener, CustomerData data, TextWriter output)
{
    /// <summary>How long to wait for a notification before asking the vault directly (a missed webhook must not stall us).</summary>
    public TimeSpan PollEvery { get; init; } = TimeSpan.FromSeconds(30);

    public async Task<Guid> AskAsync(Guid customerId, IReadOnlyList<string> scopes, string purpose, string description, string duration, CancellationToken cancellationToken)
    {
        var requestId = await vault.RequestAccessAsync(customerId, scopes, purpose, description, duration, cancellationToken);
        await output.WriteLineAsync($"Asked customer {customerId} for {string.Join(", ", scopes)} ({purpose}, {duration}): request {requestId}.");
        return requestId;
    }

    /// <summary>Waits until the customer approves, denies, or lets the request expire.</summary>
    public async Task<AccessRequestStatus> AwaitDecisionAsync(Guid requestId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var notified = await NextAsync(n => n.RequestId == requestId && n.Kind.StartsWith("access-request.", StringComparison.Ordinal), cancellationToken);
            var status = await vault.GetAccessRequestAsync(requestId, cancellationToken);
            if (status.Status != "pending")
            {
                await output.WriteLineAsync(notified is null
                    ? $"Request {requestId} is {status.Status} (found by asking)."
                    : $"Request {requestId} is {status.Status} (notification {notified.Id}).");
                return status;
            }
        }
    }

    /// <summary>Reads what the grant covers and keeps it; null when no active grant covers a read.</summary>
    public async Task<JsonObject?> ReadAsync(Guid customerId, Guid grantId, string purpose, CancellationToken cancellationToken)
    {
        var profile = await vault.ReadProfileAsync(customerId, purpose, cancellationToken);
        if (profile is null)
        {
            await output.WriteLineAsync($"The vault refused to read customer {customerId} for {purpose}: no active grant.");
            return null;
        }

        data.Keep(customerId, grantId, profile);
        await output.WriteLineAsync($"Read customer {customerId}: {profile.ToJsonString()}");
        return profile;
    }

    /// <summary>
    /// Follows the grant: reads again after a change, and once the grant is gone erases the copy and returns how it
    /// ended (revoked, relinquished, expired, suspended).
    /// </summary>
    public async Task<string> FollowAsync(Guid customerId, Guid grantId, string purpose, CancellationToken cancellationToken)
    {
        while (true)
        {
            var notification = await NextAsync(n => n.GrantId == grantId, cancellationToken);
            if (notification is null)
            {
                var status = await vault.GetGrantStatusAsync(grantId, cancellationToken);
                if (status == "active")
                {
                    continue;
                }

                data.Forget(customerId);
                await output.WriteLineAsync($"Grant {grantId} is {status} (found by asking); erased our copy.");
                return status;
            }

            var erased = data.Apply(notification);
            await output.WriteLineAsync($"Notification {notification.Id}: {notification.Kind}{(erased ? "; erased our copy" : "")}.");
            if (CustomerData.GrantGone.Contains(notification.Kind))
            {
                return notification.Kind["grant.".Length..];
            }

            await ReadAsync(customerId, grantId, purpose, cancellationToken);
        }
    }

    private async Task<VaultNotification?> NextAsync(Func<VaultNotification, bool> matches, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(PollEvery);
        try
        {
            return await listener.WaitForAsync(matches, wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
