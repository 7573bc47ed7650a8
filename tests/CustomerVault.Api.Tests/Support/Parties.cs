using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CustomerVault.Api.Tests.Support;

/// <summary>A vendor registered by an operator through the API, with its own client and token.</summary>
public sealed record RegisteredVendor(Guid Id, string ClientId, string Secret, string AccessToken, string WebhookSecret = "");

public static class Parties
{
    public const string AllScopes = "name birthdate email phone postal-address communication-preferences interests";

    public static async Task<HttpClient> AuditorAsync(this VaultApp app)
    {
        var token = await app.ClientCredentialsAsync("demo-auditor", "demo-auditor-secret");
        Assert.False(token.IsError, token.ErrorDescription);
        return app.CreateApiClient(token.AccessToken);
    }

    public static async Task<HttpClient> OperatorAsync(this VaultApp app)
    {
        var token = await app.ClientCredentialsAsync("demo-operator", "demo-operator-secret");
        Assert.False(token.IsError, $"{token.Error} {token.ErrorDescription} {token.HttpStatusCode} {token.Raw}");
        return app.CreateApiClient(token.AccessToken);
    }

    public static async Task<RegisteredVendor> RegisterVendorAsync(
        this VaultApp app, string? name = null, string scopes = AllScopes, string? webhookUrl = null, string? redirectUri = null)
    {
        using var admin = await app.OperatorAsync();
        var response = await admin.PostAsJsonAsync("/v1/vendors", new
        {
            displayName = name ?? $"Vendor {Guid.NewGuid():N}"[..15],
            website = "https://vendor.example",
            contactEmail = "privacy@vendor.example",
            scopes = scopes.Split(' '),
            webhookUrl,
            redirectUris = redirectUri is null ? null : new[] { redirectUri },
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var clientId = body.GetProperty("clientId").GetString()!;
        var secret = body.GetProperty("clientSecret").GetString()!;
        var token = await app.ClientCredentialsAsync(clientId, secret, "vault.access");
        Assert.False(token.IsError, token.ErrorDescription);
        return new RegisteredVendor(body.GetProperty("vendor").GetProperty("id").GetGuid(), clientId, secret, token.AccessToken!,
            body.GetProperty("webhookSecret").GetString()!);
    }

    public static HttpClient Api(this VaultApp app, RegisteredVendor vendor) => app.CreateApiClient(vendor.AccessToken);

    /// <summary>After the test moved the clock past the token lifetime: a vendor asks for a new token.</summary>
    public static async Task<HttpClient> FreshApiAsync(this VaultApp app, RegisteredVendor vendor)
    {
        var token = await app.ClientCredentialsAsync(vendor.ClientId, vendor.Secret, "vault.access");
        Assert.False(token.IsError, token.ErrorDescription);
        return app.CreateApiClient(token.AccessToken);
    }

    /// <summary>After the test moved the clock past the token lifetime: the customer signs in again.</summary>
    public static async Task<HttpClient> FreshApiAsync(this VaultApp app, SignedInCustomer customer) =>
        app.CreateApiClient((await app.SignInAsync(customer.Email, customer.Password)).AccessToken);

    public static HttpClient Api(this VaultApp app, SignedInCustomer customer) => app.CreateApiClient(customer.AccessToken);

    public static async Task SetProfileAsync(this VaultApp app, SignedInCustomer customer, string mergePatch)
    {
        using var api = app.Api(customer);
        var response = await api.PatchAsync("/v1/me/profile", new StringContent(mergePatch, Encoding.UTF8, "application/merge-patch+json"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    public static async Task<HttpResponseMessage> RequestAccessAsync(
        this HttpClient vendor, Guid customerId, string scopes = "name email", string purpose = "marketing", string duration = "P6M",
        object? contactTerms = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/access-requests")
        {
            Content = JsonContent.Create(new
            {
                customerId,
                scopes = scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                purpose,
                description = "Our monthly newsletter about telescopes.",
                duration,
                contactTerms,
            }),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await vendor.SendAsync(request);
    }

    /// <summary>
    /// The customer gives the vendor a connection code and the vendor redeems it: the id the vendor knows her by (the
    /// same id every time for one vendor).
    /// </summary>
    public static async Task<Guid> ConnectAsync(this VaultApp app, RegisteredVendor vendor, SignedInCustomer customer) =>
        await app.ConnectAsync(app.Api(vendor), vendor.Id, customer);

    /// <summary>The same for a vendor known only by its token; a code any vendor may redeem when <paramref name="vendorId"/> is null.</summary>
    public static async Task<Guid> ConnectAsync(this VaultApp app, HttpClient vendorApi, Guid? vendorId, SignedInCustomer customer)
    {
        using var customerApi = app.Api(customer);
        var code = (string)(await (await customerApi.PostAsJsonAsync("/v1/me/connection-codes", new { vendorId })).JsonAsync())["code"]!;
        var connection = await (await vendorApi.PostAsJsonAsync("/v1/connections", new { code })).JsonAsync();
        return Guid.Parse((string)connection["customerId"]!);
    }

    /// <summary>A vendor asks, and the customer approves (some scopes, when given), returning the grant id.</summary>
    public static async Task<Guid> GrantAsync(
        this VaultApp app, RegisteredVendor vendor, SignedInCustomer customer, string requested = "name email", string? approved = null,
        string purpose = "marketing", object? contactTerms = null)
    {
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        var requestId = await (await vendorApi.RequestAccessAsync(customerId, requested, purpose, contactTerms: contactTerms)).IdAsync();
        using var customerApi = app.Api(customer);
        var approval = await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve",
            new { scopes = approved?.Split(' ') });
        Assert.True(approval.StatusCode == HttpStatusCode.OK, await approval.Content.ReadAsStringAsync());
        return (await approval.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("grantId").GetGuid();
    }

    public static async Task<Guid> IdAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    public static async Task<JsonObject> JsonAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    public static Task<HttpResponseMessage> ReadProfileAsync(this HttpClient vendor, Guid customerId, string purpose = "marketing") =>
        vendor.GetAsync($"/v1/customers/{customerId}/profile?purpose={purpose}");

    public static Task<HttpResponseMessage> PostEmptyAsync(this HttpClient client, string url) =>
        client.PostAsync(url, JsonContent.Create(new { }));
}
