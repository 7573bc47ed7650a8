using CustomerVault.Infrastructure.Database;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CustomerVault.Identity;

public static class IdentitySetup
{
    private const string RequestScheme = "vault-request";

    /// <summary>
    /// Customer accounts, the OAuth 2.0 / OpenID Connect server, token validation for the API, and the
    /// Data Protection key ring (in the database, so every node can read every other node's cookies).
    /// </summary>
    public static IHostApplicationBuilder AddVaultIdentity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var environment = builder.Environment;

        services.AddDbContext<IdentityStore>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), o => o.MigrationsHistoryTable("__EFMigrationsHistory", IdentityStore.Schema))
            .UseOpenIddict());

        var certificates = VaultCertificates.Load(configuration, environment);
        services.AddSingleton(certificates);
        var issuer = VaultIssuer.Resolve(configuration, environment);
        services.AddSingleton(issuer);

        // Before Data Protection's own start-up work, which reads the key ring from these tables.
        services.AddHostedService<IdentityStoreInitializer>();

        services.AddDataProtection()
            .SetApplicationName("CustomerVault")
            .PersistKeysToDbContext<IdentityStore>()
            .ProtectKeysWithCertificate(certificates.Encryption);

        services.AddIdentity<VaultUser, IdentityRole<Guid>>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.SignIn.RequireConfirmedAccount = false;
                // NIST SP 800-63B: length over composition rules.
                options.Password.RequiredLength = 12;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 4;
                // Wrong passwords never lock an account (anyone could lock anyone out): SignInThrottle slows guessing by
                // address and by account instead. Lockout stays for accounts the vault closes itself (erasure).
                options.Lockout.AllowedForNewUsers = true;
                options.ClaimsIdentity.UserIdClaimType = Claims.Subject;
                options.ClaimsIdentity.UserNameClaimType = Claims.Name;
                options.ClaimsIdentity.EmailClaimType = Claims.Email;
            })
            .AddEntityFrameworkStores<IdentityStore>()
            .AddDefaultTokenProviders();

        services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/account/sign-in";
            options.LogoutPath = "/account/sign-out";
            options.ReturnUrlParameter = "returnUrl";
            options.Cookie.Name = "vault.session";
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
        });

        var tokens = configuration.GetSection(TokenOptions.Section).Get<TokenOptions>() ?? new TokenOptions();

        services.AddOpenIddict()
            .AddCore(options => options.UseEntityFrameworkCore().UseDbContext<IdentityStore>())
            .AddServer(options =>
            {
                options.SetAuthorizationEndpointUris("/connect/authorize")
                    .SetTokenEndpointUris("/connect/token")
                    .SetUserInfoEndpointUris("/connect/userinfo")
                    .SetIntrospectionEndpointUris("/connect/introspect")
                    .SetRevocationEndpointUris("/connect/revoke")
                    .SetEndSessionEndpointUris("/connect/endsession")
                    .SetJsonWebKeySetEndpointUris("/.well-known/jwks");

                options.AllowAuthorizationCodeFlow()
                    .AllowRefreshTokenFlow()
                    .AllowClientCredentialsFlow()
                    .RequireProofKeyForCodeExchange();
                // "plain" PKCE protects nothing once the authorization request is seen; only S256 is accepted.
                options.Configure(o => o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));

                options.RegisterScopes([Scopes.OpenId, Scopes.Email, Scopes.Profile, Scopes.OfflineAccess, .. VaultScopes.Descriptions.Keys]);
                options.RegisterClaims([Claims.Subject, Claims.Email, Claims.EmailVerified, VaultClaims.ActorType]);

                options.SetAccessTokenLifetime(tokens.AccessTokenLifetime)
                    .SetRefreshTokenLifetime(tokens.RefreshTokenLifetime)
                    .SetAuthorizationCodeLifetime(TimeSpan.FromMinutes(5));

                options.SetIssuer(issuer.Uri);

                // Every token key is published and accepted; the current one signs (PublishDocumentKeys.SignWith, below).
                foreach (var certificate in certificates.Tokens.All)
                {
                    options.AddSigningCertificate(certificate);
                }

                options.AddEncryptionCertificate(certificates.Encryption);
                options.AddEventHandler(PublishDocumentKeys.Descriptor)
                    .AddEventHandler(AdvertiseEndpointsUnderIssuer.Descriptor);
                // Access tokens are signed, not encrypted: what protects customer data is the grant check on every
                // read, and decrypting an RSA-OAEP token on every request costs a factor of ten in throughput.
                options.DisableAccessTokenEncryption();

                options.AddEventHandler(AccessTokenRevocation.Descriptor);
                options.AddEventHandler(AccessTokensUnstored.Descriptor);

                var aspNetCore = options.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough();
                if (environment.IsDevelopment())
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            })
            .AddValidation(options =>
            {
                options.UseLocalServer();
                options.UseAspNetCore();
                options.AddAudiences(VaultScopes.Audience);
            });
        // After OpenIddict's own ordering, which would sign with whichever key expires last.
        services.PostConfigure<OpenIddict.Server.OpenIddictServerOptions>(options => PublishDocumentKeys.SignWith(options, certificates.Tokens.Current));

        // Requests that carry a bearer token are API calls: they are authenticated by the token alone, and never by a
        // cookie (a page's session must not authorise an API call a third-party site makes in the customer's browser).
        services.AddAuthentication(options =>
            {
                options.DefaultScheme = RequestScheme;
                options.DefaultChallengeScheme = IdentityConstants.ApplicationScheme;
            })
            .AddPolicyScheme(RequestScheme, "Bearer token or session cookie", options => options.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? CachedBearerHandler.SchemeName
                    : IdentityConstants.ApplicationScheme);
        services.AddVaultAuthorization();
        services.AddScoped<CustomerRegistration>();
        services.AddVaultTokenPruning(configuration);
        services.AddVaultSignIn(configuration);
        // Ready once the database answers: the identity store's check is the vault's database check.
        services.AddHealthChecks().AddDbContextCheck<IdentityStore>("database", tags: ["ready"]);
        return builder;
    }
}

/// <summary>Token settings (section <c>Vault:Tokens</c>).</summary>
public sealed class TokenOptions
{
    public const string Section = "Vault:Tokens";

    /// <summary>The vault's public base URL (see <see cref="VaultIssuer"/>); required outside Development.</summary>
    public string? Issuer { get; set; }

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);
}

/// <summary>Applies the identity schema's migrations and registers the configured OAuth clients at start-up.</summary>
public sealed class IdentityStoreInitializer(IServiceProvider services, IConfiguration configuration) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IdentityStore>();
        await store.Database.MigrateAsync(cancellationToken);
        await ClientRegistrations.SeedAsync(scope.ServiceProvider, configuration, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
