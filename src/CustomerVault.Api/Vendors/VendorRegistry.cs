using CustomerVault.Infrastructure;
using System.Security.Cryptography;
using System.Text.Json;
using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Profiles;
using CustomerVault.Webhooks;
using Marten;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CustomerVault.Vendors;

/// <summary>
/// Registers vendors and manages their OAuth clients. A vendor and its client are written in one database
/// transaction; the client secret is generated here, returned once, and stored only as a hash.
/// </summary>
public sealed class VendorRegistry(
    IdentityStore identityStore,
    IOpenIddictApplicationManager applications,
    IDocumentStore documentStore,
    SafeUrls safeUrls,
    MasterKeys masterKeys,
    TimeProvider clock,
    IHttpContextAccessor httpContextAccessor)
{
    public const string VendorIdProperty = "vault_vendor_id";

    /// <summary>
    /// Registers a vendor with a new client and a webhook signing secret; the secrets are generated unless given
    /// (configured demo vendors).
    /// </summary>
    public async Task<(Vendor Vendor, string Secret, string WebhookSecret)> RegisterAsync(
        RegisterVendor command, CancellationToken cancellationToken, Guid? vendorId = null, string? clientId = null, string? secret = null,
        string? webhookSecret = null)
    {
        var id = vendorId ?? Guid.CreateVersion7();
        clientId ??= $"vendor-{id:N}";
        secret ??= NewSecret();
        webhookSecret ??= WebhookSignature.NewSecret();
        var now = clock.Now();
        var registered = VendorDecider.Decide(command, id, clientId, now);
        await safeUrls.ValidateAsync(command.WebhookUrl, "webhookUrl", cancellationToken);

        await using var transaction = await identityStore.Database.BeginTransactionAsync(cancellationToken);
        await applications.CreateAsync(ClientFor(registered, secret), cancellationToken);
        await using (var session = OpenSession(transaction))
        {
            session.Events.StartStream<Vendor>(id, registered);
            session.Store(VendorWebhookSecret.Seal(masterKeys, id, webhookSecret, now));
            await session.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (Vendor.Create(registered), secret, webhookSecret);
    }

    /// <summary>Replaces the vendor's client secret; the old one stops working at once.</summary>
    public async Task<(Vendor Vendor, string Secret)?> RotateSecretAsync(Guid vendorId, CancellationToken cancellationToken)
    {
        await using var transaction = await identityStore.Database.BeginTransactionAsync(cancellationToken);
        await using var session = OpenSession(transaction);
        var stream = await session.Events.FetchForWriting<Vendor>(vendorId, cancellationToken);
        if (stream.Aggregate is null)
        {
            return null;
        }

        var application = await applications.FindByClientIdAsync(stream.Aggregate.ClientId, cancellationToken)
                          ?? throw new InvalidOperationException($"Vendor {vendorId} has no OAuth client.");
        var secret = NewSecret();
        await applications.UpdateAsync(application, secret, cancellationToken);
        stream.AppendOne(VendorDecider.Decide(new RotateVendorSecret(clock.Now()), stream.Aggregate));
        await session.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (stream.Aggregate, secret);
    }

    /// <summary>Replaces where the vault may send customers back after the vendor's web flow, in its stream and its OAuth client together.</summary>
    public async Task<Vendor?> SetRedirectUrisAsync(Guid vendorId, SetVendorRedirectUris command, CancellationToken cancellationToken)
    {
        await using var transaction = await identityStore.Database.BeginTransactionAsync(cancellationToken);
        await using var session = OpenSession(transaction);
        var stream = await session.Events.FetchForWriting<Vendor>(vendorId, cancellationToken);
        if (stream.Aggregate is null)
        {
            return null;
        }

        var changed = VendorDecider.Decide(command, stream.Aggregate);
        var application = await applications.FindByClientIdAsync(stream.Aggregate.ClientId, cancellationToken)
                          ?? throw new InvalidOperationException($"Vendor {vendorId} has no OAuth client.");
        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application, cancellationToken);
        AllowWebFlow(descriptor, changed.RedirectUris);
        await applications.UpdateAsync(application, descriptor, cancellationToken);
        stream.AppendOne(changed);
        await session.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return stream.Aggregate.Apply(changed);
    }

    /// <summary>Registers a vendor from configuration (a Development demo vendor), or brings its client secret up to date.</summary>
    public async Task EnsureConfiguredAsync(string clientId, ClientRegistration registration, CancellationToken cancellationToken)
    {
        var vendorId = registration.VendorId ?? DeterministicId(clientId);
        await using var query = documentStore.QuerySession();
        if (await query.LoadAsync<Vendor>(vendorId, cancellationToken) is null)
        {
            await RegisterAsync(
                new RegisterVendor(registration.DisplayName ?? clientId, registration.Website, registration.ContactEmail ?? $"privacy@{clientId}.example",
                    registration.DataScopes ?? Catalog.Scopes.Select(s => s.Name).ToList(), registration.WebhookUrl, registration.RedirectUris),
                cancellationToken, vendorId, clientId, registration.Secret, registration.WebhookSecret);
            return;
        }

        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is not null && registration.Secret is not null)
        {
            await applications.UpdateAsync(application, registration.Secret, cancellationToken);
        }

        var vendor = await query.LoadAsync<Vendor>(vendorId, cancellationToken);
        if (vendor is not null && !(vendor.RedirectUris ?? []).SequenceEqual(registration.RedirectUris, StringComparer.Ordinal))
        {
            await SetRedirectUrisAsync(vendorId, new SetVendorRedirectUris(registration.RedirectUris, clock.Now()), cancellationToken);
        }
    }

    private IDocumentSession OpenSession(IDbContextTransaction transaction)
    {
        var options = Marten.Services.SessionOptions.ForTransaction((NpgsqlTransaction)transaction.GetDbTransaction());
        options.Tracking = DocumentTracking.None;
        var session = documentStore.OpenSession(options);
        ActorContext.Stamp(session, httpContextAccessor.HttpContext);
        return session;
    }

    private static OpenIddictApplicationDescriptor ClientFor(VendorRegistered vendor, string secret)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = vendor.ClientId,
            ClientSecret = secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = vendor.DisplayName,
            Properties =
            {
                [ClientRegistrations.ActorTypeProperty] = JsonSerializer.SerializeToElement(VaultClaims.ActorTypes.Vendor),
                [VendorIdProperty] = JsonSerializer.SerializeToElement(vendor.VendorId),
            },
        };
        descriptor.Permissions.UnionWith([
            Permissions.Endpoints.Token, Permissions.Endpoints.Introspection, Permissions.Endpoints.Revocation,
            Permissions.GrantTypes.ClientCredentials, Permissions.Prefixes.Scope + VaultScopes.Access,
        ]);
        AllowWebFlow(descriptor, vendor.RedirectUris ?? []);
        return descriptor;
    }

    /// <summary>
    /// The vendor's web flow ("Connect with CustomerVault"), when it has somewhere to send the customer back to: the
    /// authorization code with PKCE, and the request pushed first (RFC 9126), so that what it asks for never travels
    /// through her browser where it could be altered, and is checked before she sees it.
    /// </summary>
    private static void AllowWebFlow(OpenIddictApplicationDescriptor descriptor, IReadOnlyList<string> redirectUris)
    {
        string[] flow = [Permissions.Endpoints.Authorization, Permissions.Endpoints.PushedAuthorization, Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code];
        descriptor.RedirectUris.Clear();
        descriptor.Permissions.ExceptWith(flow);
        descriptor.Requirements.Clear();
        descriptor.ConsentType = ConsentTypes.Explicit;
        if (redirectUris.Count == 0)
        {
            return;
        }

        descriptor.RedirectUris.UnionWith(redirectUris.Select(u => new Uri(u)));
        descriptor.Permissions.UnionWith(flow);
        descriptor.Requirements.UnionWith([Requirements.Features.ProofKeyForCodeExchange, Requirements.Features.PushedAuthorizationRequests]);
    }

    private static string NewSecret() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private static Guid DeterministicId(string clientId) =>
        new(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"customervault/vendor/{clientId}")).AsSpan(0, 16), bigEndian: true);
}

public static class VendorApplications
{
    public static async Task<Guid?> VendorIdOfAsync(this IOpenIddictApplicationManager applications, object application, CancellationToken cancellationToken)
    {
        var properties = await applications.GetPropertiesAsync(application, cancellationToken);
        return properties.TryGetValue(VendorRegistry.VendorIdProperty, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetGuid(out var id)
            ? id
            : null;
    }
}
