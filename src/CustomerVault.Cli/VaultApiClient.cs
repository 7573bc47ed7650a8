using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CustomerVault.Audit;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CustomerVault.Cli;

/// <summary>How the CLI proves who it is to the vault: a token it was given, or client credentials it gets one with.</summary>
public sealed record ApiCredentials(string? Token, string? ClientId, string? ClientSecret);

/// <summary>
/// The vault over HTTP, as an auditor outside its network reaches it: its discovery document names the token endpoint,
/// the published keys and the issuer; a client-credentials token (renewed once if the vault refuses it mid-way); the
/// audit endpoints. Retries what a busy vault answers (429 with Retry-After, 503 while its database fails over), as
/// every client of ours does.
/// </summary>
public sealed class VaultApiClient : IAsyncDisposable
{
    public const string AuditorRole = "an auditor's";
    public const string OperatorRole = "an operator's";
    private const int FeedPage = 1000;
    private const string PublicClient = "vault-public";
    private const string ApiClient = "vault-api";

    private readonly ServiceProvider _services;

    private VaultApiClient(ServiceProvider services, Uri vault, string issuer, Uri jwks)
    {
        _services = services;
        Vault = vault;
        Issuer = issuer;
        JwksUri = jwks;
    }

    public Uri Vault { get; }

    /// <summary>The issuer the vault's discovery names: what its signed documents must name.</summary>
    public string Issuer { get; }

    public Uri JwksUri { get; }

    private HttpClient Public => _services.GetRequiredService<IHttpClientFactory>().CreateClient(PublicClient);

    private HttpClient Api => _services.GetRequiredService<IHttpClientFactory>().CreateClient(ApiClient);

    public static async Task<VaultApiClient> ConnectAsync(Uri vault, ApiCredentials credentials, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        services.AddHttpClient(PublicClient, client => client.BaseAddress = vault).AddStandardResilienceHandler(Quick);
        AccessToken? token = null;
        services.AddHttpClient(ApiClient, client => client.BaseAddress = vault)
            .AddHttpMessageHandler(() => new BearerHandler(token!))
            .AddStandardResilienceHandler(Quick);
        var provider = services.BuildServiceProvider();
        try
        {
            var publicClient = provider.GetRequiredService<IHttpClientFactory>().CreateClient(PublicClient);
            var (issuer, tokenEndpoint, jwks) = await DiscoverAsync(publicClient, vault, cancellationToken);
            token = new AccessToken(publicClient, tokenEndpoint, credentials);
            await token.GetAsync(renew: false, cancellationToken);
            return new VaultApiClient(provider, vault, issuer, jwks);
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }

        // A vault that does not answer is reported within seconds, not after the default minute of retries.
        static void Quick(Microsoft.Extensions.Http.Resilience.HttpStandardResilienceOptions options)
        {
            options.Retry.Delay = TimeSpan.FromMilliseconds(500);
            options.Retry.MaxRetryAttempts = 3;
        }
    }

    /// <summary>A resource, or null when the vault has none (404).</summary>
    public async Task<T?> GetAsync<T>(string path, string role, CancellationToken cancellationToken) where T : class
    {
        using var response = await SendAsync(Api, new HttpRequestMessage(HttpMethod.Get, path), role, cancellationToken);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync<T>(response, path, cancellationToken);
    }

    public async Task<T> PostAsync<T>(string path, string role, CancellationToken cancellationToken) where T : class
    {
        using var response = await SendAsync(Api, new HttpRequestMessage(HttpMethod.Post, path), role, cancellationToken);
        return await ReadAsync<T>(response, path, cancellationToken);
    }

    /// <summary>Every event of a feed (the global one, or one customer's), page after page in feed order; null when the vault has no such feed (404).</summary>
    public async IAsyncEnumerable<FeedEvent> FeedAsync(string path, string notFound, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long after = 0;
        while (true)
        {
            var page = $"{path}?after={after}&limit={FeedPage}";
            // Problems (a refused token, an unknown customer) come as problem documents, whatever the feed's own type.
            var request = new HttpRequestMessage(HttpMethod.Get, page)
            {
                Headers = { Accept = { new MediaTypeWithQualityHeaderValue(AuditEndpoints.NdJson), new MediaTypeWithQualityHeaderValue("application/problem+json") } },
            };
            using var response = await SendAsync(Api, request, AuditorRole, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                throw new CliException(ExitCodes.NotFound, notFound);
            }

            await EnsureSuccessAsync(response, page, cancellationToken);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            var count = 0;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                var e = Parse<FeedEvent>(line, page);
                after = e.Position;
                count++;
                yield return e;
            }

            if (count < FeedPage)
            {
                yield break;
            }
        }
    }

    /// <summary>The keys the vault publishes: what its signatures are checked against.</summary>
    public async Task<JsonWebKeySet> KeysAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(Public, new HttpRequestMessage(HttpMethod.Get, JwksUri), null, cancellationToken);
        await EnsureSuccessAsync(response, JwksUri.ToString(), cancellationToken);
        try
        {
            return new JsonWebKeySet(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (ArgumentException e)
        {
            throw new CliException(ExitCodes.DatabaseUnavailable, $"The vault's published keys at {JwksUri} are not a JWKS: {e.Message}", e);
        }
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    private static async Task<(string Issuer, Uri TokenEndpoint, Uri Jwks)> DiscoverAsync(HttpClient client, Uri vault, CancellationToken cancellationToken)
    {
        const string path = ".well-known/openid-configuration";
        using var response = await SendAsync(client, new HttpRequestMessage(HttpMethod.Get, path), null, cancellationToken);
        var notAVault = $"{vault} is not a CustomerVault: no OpenID Connect discovery at {new Uri(vault, path)} ({(int)response.StatusCode} {response.ReasonPhrase}).";
        if (!response.IsSuccessStatusCode)
        {
            throw new CliException(ExitCodes.DatabaseUnavailable, notAVault);
        }

        try
        {
            var discovery = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return (discovery.GetProperty("issuer").GetString()!, new Uri(discovery.GetProperty("token_endpoint").GetString()!),
                new Uri(discovery.GetProperty("jwks_uri").GetString()!));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or UriFormatException or ArgumentNullException)
        {
            throw new CliException(ExitCodes.DatabaseUnavailable, notAVault, e);
        }
    }

    /// <param name="role">Whose credentials the call needs, for the message on a 401 or 403; null for public resources.</param>
    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request, string? role, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or BrokenCircuitException
                                  || e is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.DatabaseUnavailable, $"Cannot reach the vault at {new Uri(client.BaseAddress!, request.RequestUri!)}: {e.Message}", e);
        }
        finally
        {
            request.Dispose();
        }

        switch (response.StatusCode)
        {
            case HttpStatusCode.Unauthorized when role is not null:
                var reason = response.Headers.WwwAuthenticate.SelectMany(h => (h.Parameter ?? "").Split(", ")).FirstOrDefault(p => p.StartsWith("error_description=", StringComparison.Ordinal));
                response.Dispose();
                throw new CliException(ExitCodes.AccessDenied,
                    $"The vault refused the access token (401{(reason is null ? "" : ": " + reason["error_description=".Length..].Trim('"'))}). "
                    + "It may have expired or been revoked, or another vault issued it.");
            case HttpStatusCode.Forbidden when role is not null:
                response.Dispose();
                throw new CliException(ExitCodes.AccessDenied, $"The vault answered 403 Forbidden: the credentials are not {role}. {RoleHelp(role)}");
            default:
                return response;
        }
    }

    private static string RoleHelp(string role) => role == AuditorRole
        ? "Reading the audit trail needs the client credentials of an auditor client (scope vault.audit), or its token."
        : "This needs the client credentials of an operator client (scope vault.admin), or its token.";

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, string path, CancellationToken cancellationToken) where T : class
    {
        await EnsureSuccessAsync(response, path, cancellationToken);
        return Parse<T>(await response.Content.ReadAsStringAsync(cancellationToken), path);
    }

    private static T Parse<T>(string json, string path) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, CliOutput.JsonOptions) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.DatabaseUnavailable, $"The vault's answer to {path} is not what a CustomerVault sends: {e.Message}", e);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new CliException(ExitCodes.DatabaseUnavailable,
                $"The vault answered {(int)response.StatusCode} {response.ReasonPhrase} to {path}{(body.Length is > 0 and < 1000 ? ": " + body : ".")}");
        }
    }

    /// <summary>The access token: the one given, or one for the client credentials, renewed when the vault refuses it.</summary>
    private sealed class AccessToken(HttpClient client, Uri tokenEndpoint, ApiCredentials credentials)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private string? _current = credentials.Token;

        public bool CanRenew => credentials.Token is null;

        public async Task<string> GetAsync(bool renew, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                if (_current is not null && (!renew || !CanRenew))
                {
                    return _current;
                }

                TokenResponse response;
                try
                {
                    response = await client.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
                    {
                        Address = tokenEndpoint.ToString(),
                        ClientId = credentials.ClientId!,
                        ClientSecret = credentials.ClientSecret,
                    }, cancellationToken);
                }
                catch (Exception e) when (e is TimeoutRejectedException or BrokenCircuitException)
                {
                    throw new CliException(ExitCodes.DatabaseUnavailable, $"Cannot reach the vault's token endpoint {tokenEndpoint}: {e.Message}", e);
                }

                if (response.IsError)
                {
                    // OAuth errors come as 400 or 401 with a JSON body naming the error (RFC 6749 section 5.2).
                    var error = response.Json is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty("error", out var code)
                        ? $"{code.GetString()}{(body.TryGetProperty("error_description", out var description) ? ": " + description.GetString() : "")}"
                        : response.Error ?? response.Exception?.Message;
                    throw response.HttpStatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized
                        ? new CliException(ExitCodes.AccessDenied, $"The vault refused the client credentials of '{credentials.ClientId}' ({error}).")
                        : new CliException(ExitCodes.DatabaseUnavailable, $"Cannot get a token from {tokenEndpoint}: {error}.", response.Exception);
                }

                return _current = response.AccessToken!;
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>Puts the token on every call; when the vault refuses a token it issued to our credentials, renews it once and retries.</summary>
    private sealed class BearerHandler(AccessToken token) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await token.GetAsync(renew: false, cancellationToken));
            var response = await base.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Unauthorized || !token.CanRenew)
            {
                return response;
            }

            response.Dispose();
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await token.GetAsync(renew: true, cancellationToken));
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
