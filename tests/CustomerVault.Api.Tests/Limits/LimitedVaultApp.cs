using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CustomerVault.Api.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CustomerVault.Api.Tests.Limits;

/// <summary>
/// The vault with small rate limits. The in-process test server has no TCP peer, so a test names the peer's address
/// in <see cref="PeerHeader"/>: a stand-in for the connection, set before anything of the vault sees the request.
/// </summary>
public class LimitedVaultApp : VaultApp
{
    public const string PeerHeader = "X-Test-Peer";

    protected virtual IDictionary<string, string?> Limits => new Dictionary<string, string?>();

    protected override IDictionary<string, string?> Settings => Limits;

    protected override void ConfigureTestServices(IServiceCollection services) => services.AddSingleton<IStartupFilter, TestPeer>();

    /// <summary>A limit of <paramref name="permits"/> requests an hour, so that nothing refills while a test runs.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> PerHour(string limit, int permits) =>
    [
        new($"Vault:RateLimits:{limit}:PermitLimit", permits.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new($"Vault:RateLimits:{limit}:Window", "01:00:00"),
    ];

    private sealed class TestPeer : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[PeerHeader], out var peer))
                {
                    context.Connection.RemoteIpAddress = peer;
                }

                return following(context);
            });
            next(app);
        };
    }
}

public static class RateLimitAssertions
{
    /// <summary>A refusal for a rate limit: 429 problem, Retry-After in seconds, and the draft's RateLimit-Policy and RateLimit for <paramref name="policy"/>.</summary>
    public static async Task<JsonElement> AssertThrottledAsync(this HttpResponseMessage response, string policy, int quota, int windowSeconds)
    {
        var problem = await response.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is { TotalSeconds: >= 1 } && retryAfter.Value.TotalSeconds <= windowSeconds, $"Retry-After: {response.Headers.RetryAfter}");
        Assert.Equal($"\"{policy}\";q={quota};w={windowSeconds}", Assert.Single(response.Headers.GetValues("RateLimit-Policy")));
        Assert.Equal($"\"{policy}\";r=0;t={(int)retryAfter!.Value.TotalSeconds}", Assert.Single(response.Headers.GetValues("RateLimit")));
        Assert.Equal(policy, problem.GetProperty("limit").GetString());
        return problem;
    }

    public static HttpRequestMessage From(this HttpRequestMessage request, string peer)
    {
        request.Headers.Add(LimitedVaultApp.PeerHeader, peer);
        return request;
    }

    public static Task<HttpResponseMessage> PostFormAsync(this HttpClient client, string url, Dictionary<string, string> form, string peer) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) }.From(peer));

    public static Task<HttpResponseMessage> GetFromAsync(this HttpClient client, string url, string peer) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Get, url).From(peer));

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) => client.PostAsJsonAsync(url, body);
}
