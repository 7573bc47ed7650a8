using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace VendorClient;

/// <summary>What the vault said about our request for access.</summary>
public sealed record AccessRequestStatus(Guid Id, string Status, Guid? GrantId, IReadOnlyList<string> ApprovedScopes);

/// <summary>The vault's vendor API, typed; authentication and resilience come from the handlers around it.</summary>
public sealed class VaultClient(HttpClient http)
{
    /// <summary>Points the vault's notifications at our listener; returns the new signing secret when asked to rotate it.</summary>
    public async Task<string?> UseWebhookAsync(string url, bool rotateSecret, CancellationToken cancellationToken)
    {
        (await http.PutAsJsonAsync("/v1/webhooks/endpoint", new { url }, cancellationToken)).EnsureSuccessStatusCode();
        if (!rotateSecret)
        {
            return null;
        }

        var rotated = await (await http.PostAsJsonAsync("/v1/webhooks/secret", new { }, cancellationToken)).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        return (string?)rotated?["secret"];
    }

    /// <summary>
    /// Redeems the connection code a customer told us (at the counter, on the phone): our id for her, the only one we
    /// ever learn. A code works once; a wrong, used or expired one is refused (400), and guessing is throttled (429).
    /// </summary>
    public async Task<Guid> ConnectAsync(string code, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/v1/connections", new { code }, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        var connection = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        return Guid.Parse((string)connection!["customerId"]!);
    }

    /// <summary>
    /// Asks the customer for access. The idempotency key makes a retried call (a timeout, say) return the same
    /// request instead of asking the customer twice.
    /// </summary>
    public async Task<Guid> RequestAccessAsync(
        Guid customerId, IReadOnlyList<string> scopes, string purpose, string description, string duration, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/access-requests")
        {
            Content = JsonContent.Create(new { customerId, scopes, purpose, description, duration }),
            Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } },
        };
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        var created = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        return Guid.Parse((string)created!["id"]!);
    }

    public async Task<AccessRequestStatus> GetAccessRequestAsync(Guid requestId, CancellationToken cancellationToken)
    {
        var request = await http.GetFromJsonAsync<JsonObject>($"/v1/access-requests/{requestId}", cancellationToken);
        return new AccessRequestStatus(requestId, (string)request!["status"]!, request["grantId"] is { } grant ? Guid.Parse((string)grant!) : null,
            request["approvedScopes"]?.AsArray().Select(s => (string)s!).ToList() ?? []);
    }

    /// <summary>active, revoked, relinquished, expired or suspended.</summary>
    public async Task<string> GetGrantStatusAsync(Guid grantId, CancellationToken cancellationToken)
    {
        var grant = await http.GetFromJsonAsync<JsonObject>($"/v1/grants/{grantId}", cancellationToken);
        return (string)grant!["status"]!;
    }

    /// <summary>
    /// The profile attributes our grants cover for the purpose, or null when no active grant covers a read any more (or
    /// she erased her account).
    /// </summary>
    public async Task<JsonObject?> ReadProfileAsync(Guid customerId, string purpose, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"/v1/customers/{customerId}/profile?purpose={Uri.EscapeDataString(purpose)}", cancellationToken);
        if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Gone)
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["profile"]!.AsObject();
    }

    /// <summary>
    /// Tells the vault (and through it, her) that we deleted what we held under a grant that ended, or the scopes a
    /// narrowing removed. The vault takes one statement per ending: a repeat (a notification delivered twice) is a 409,
    /// and means it already knows.
    /// </summary>
    public async Task ConfirmDeletionAsync(Guid grantId, IReadOnlyList<string> scopes, DateTimeOffset performedAt, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync($"/v1/grants/{grantId}/deletion-confirmation",
            new { outcome = "deleted", scopes, performedAt }, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Conflict)
        {
            await EnsureSuccessAsync(response, cancellationToken);
        }
    }

    // The vault explains refusals in problem+json; show that rather than a bare status code.
    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"The vault answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}", null, response.StatusCode);
        }
    }
}
