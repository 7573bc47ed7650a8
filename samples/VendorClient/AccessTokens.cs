using System.Net.Http.Headers;
using Duende.IdentityModel.Client;

namespace VendorClient;

/// <summary>
/// Our client-credentials token, fetched when first needed and reused until shortly before it expires, so the
/// vault's token endpoint sees one request per token lifetime, not one per API call.
/// </summary>
public sealed class AccessTokens(IHttpClientFactory httpClients, VendorClientOptions options, TimeProvider clock)
{
    public const string TokenClientName = "vault-token";
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Token, DateTimeOffset RenewAt)? _current;

    public async Task<string> GetAsync(bool forceRenewal, CancellationToken cancellationToken)
    {
        if (!forceRenewal && _current is { } cached && clock.GetUtcNow() < cached.RenewAt)
        {
            return cached.Token;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!forceRenewal && _current is { } fresh && clock.GetUtcNow() < fresh.RenewAt)
            {
                return fresh.Token;
            }

            using var tokenClient = httpClients.CreateClient(TokenClientName);
            var response = await tokenClient.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
            {
                Address = new Uri(new Uri(options.VaultUrl), "/connect/token").ToString(),
                ClientId = options.ClientId,
                ClientSecret = options.ClientSecret,
                Scope = "vault.access",
            }, cancellationToken);
            if (response.IsError)
            {
                throw new InvalidOperationException($"The vault refused a token: {response.Error} {response.ErrorDescription}");
            }

            _current = (response.AccessToken!, clock.GetUtcNow() + TimeSpan.FromSeconds(response.ExpiresIn) - RenewBefore);
            return response.AccessToken!;
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>Puts the token on every vault call; on a 401 (token revoked or expired early) it renews once and retries.</summary>
public sealed class AccessTokenHandler(AccessTokens tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(false, cancellationToken));
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != System.Net.HttpStatusCode.Unauthorized)
        {
            return response;
        }

        response.Dispose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(true, cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}
