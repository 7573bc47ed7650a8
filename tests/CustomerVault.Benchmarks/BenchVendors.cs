using System.Net.Http.Json;
using System.Text.Json;
using Duende.IdentityModel.Client;

namespace CustomerVault.Benchmarks;

/// <summary>A vendor registered through the API, so it has a real OAuth client, and an access token of it.</summary>
public sealed record BenchVendor(Guid Id, string Token);

public static class BenchVendors
{
    /// <summary>
    /// The vendors listed in <paramref name="file"/> ("id token" lines) when it exists, so a later step reuses the
    /// same vendors; otherwise registers <paramref name="count"/> vendors through the operator API and writes the file
    /// (when one is named).
    /// </summary>
    public static async Task<IReadOnlyList<BenchVendor>> LoadOrRegisterAsync(Uri api, int count, string? file)
    {
        if (file is not null && File.Exists(file))
        {
            return [.. (await File.ReadAllLinesAsync(file)).Select(line => line.Split(' ')).Select(p => new BenchVendor(Guid.Parse(p[0]), p[1]))];
        }

        using var http = new HttpClient { BaseAddress = api };
        http.SetBearerToken(await TokenAsync(http, "demo-operator", "demo-operator-secret", "vault.admin"));
        var vendors = new List<BenchVendor>();
        for (var i = 0; i < count; i++)
        {
            var response = await http.PostAsJsonAsync("/v1/vendors", new
            {
                displayName = $"Benchmark vendor {i}", contactEmail = $"privacy@vendor{i}.example", scopes = new[] { "name", "email", "phone" },
            });
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            using var client = new HttpClient { BaseAddress = api };
            var token = await TokenAsync(client, body.GetProperty("clientId").GetString()!, body.GetProperty("clientSecret").GetString()!, "vault.access");
            vendors.Add(new BenchVendor(body.GetProperty("vendor").GetProperty("id").GetGuid(), token));
        }

        if (file is not null)
        {
            await File.WriteAllLinesAsync(file, vendors.Select(v => $"{v.Id} {v.Token}"));
        }

        return vendors;
    }

    public static async Task<string> TokenAsync(HttpClient http, string clientId, string secret, string scope)
    {
        var response = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token", ClientId = clientId, ClientSecret = secret, Scope = scope,
        });
        return response.IsError ? throw new InvalidOperationException($"{clientId}: {response.Error} {response.ErrorDescription}") : response.AccessToken!;
    }
}
