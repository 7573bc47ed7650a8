using System.Net.Http.Headers;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CustomerVault.Infrastructure.RateLimiting;

/// <summary>The named rate-limiting policies; an endpoint or page opts in with <c>RequireRateLimiting(name)</c> or <c>[EnableRateLimiting(name)]</c>.</summary>
public static class RateLimits
{
    /// <summary>Per client for vendors, auditors and operators; per customer for her reads and, apart, her writes; per address for the anonymous.</summary>
    public const string Callers = "callers";

    /// <summary>A customer's export of all her data (others as <see cref="Callers"/>).</summary>
    public const string Export = "export";

    /// <summary>Sign-in attempts per address (posts of the sign-in form).</summary>
    public const string SignIn = "sign-in";

    /// <summary>Accounts created per address (posts of the sign-up form).</summary>
    public const string SignUp = "sign-up";

    public static IServiceCollection AddVaultRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section))
            .Validate(o => o.All().All(l => l.Quota.IsValid), $"Every limit in {RateLimitOptions.Section} needs a PermitLimit of at least 1 and a Window of at least a second.")
            .ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, configured) =>
        {
            var limits = configured.Value;
            limiter.OnRejected = RateLimitRejection.WriteAsync;
            limiter.AddPolicy(Callers, new Policy(limits, context => ByCaller(context, limits)));
            limiter.AddPolicy(Export, new Policy(limits, context =>
                Party(context) is { IsClient: false } customer ? (Exports(limits), customer.Id) : ByCaller(context, limits)));
            limiter.AddPolicy(SignIn, new Policy(limits, context =>
                HttpMethods.IsPost(context.Request.Method) ? (new Limit("sign-in", limits.SignIn, "Each address"), Caller.Address(context)) : null));
            limiter.AddPolicy(SignUp, new Policy(limits, context =>
                HttpMethods.IsPost(context.Request.Method) ? (new Limit("sign-up", limits.SignUp, "Each address"), Caller.Address(context)) : null));
        });

        // The pages opt in here rather than in their own code, so the sign-in page's throttling stays its own.
        services.Configure<RazorPagesOptions>(pages =>
        {
            pages.Conventions.AddFolderApplicationModelConvention("/Portal", page => page.EndpointMetadata.Add(new EnableRateLimitingAttribute(Callers)));
            pages.Conventions.AddPageApplicationModelConvention("/Identity/Pages/SignIn", page => page.EndpointMetadata.Add(new EnableRateLimitingAttribute(SignIn)));
            pages.Conventions.AddPageApplicationModelConvention("/Identity/Pages/SignUp", page => page.EndpointMetadata.Add(new EnableRateLimitingAttribute(SignUp)));
        });
        return services;
    }

    /// <summary>
    /// Before authentication: the endpoints where a client presents its secret (token, introspection, revocation) are
    /// limited per address and, when a secret is presented, per client id, before the secret is checked. Checking
    /// secrets costs a key derivation each, and guesses must meet a wall long before they could matter.
    /// </summary>
    public static IApplicationBuilder UseVaultClientAuthenticationLimits(this IApplicationBuilder app)
    {
        var limits = app.ApplicationServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        if (!limits.Enabled)
        {
            return app;
        }

        return app.UseWhen(IsClientAuthentication, branch => branch
            .Use(async (context, next) =>
            {
                await ReadFormAsync(context);
                await next(context);
            })
            .UseRateLimiter(Global(context => (new Limit("token-requests", limits.TokenRequests, "Each address"), Caller.Address(context))))
            .UseRateLimiter(Global(context => PresentedClientId(context) is { } clientId
                ? (new Limit("token-requests-per-client", limits.TokenRequestsPerClient, "Each client"), clientId)
                : null)));
    }

    /// <summary>After authentication: every other limit, counted per client, customer or address (see <see cref="Caller"/>).</summary>
    public static IApplicationBuilder UseVaultRateLimits(this IApplicationBuilder app) => app
        .Use(async (context, next) =>
        {
            await Caller.IdentifyAsync(context);
            await next(context);
        })
        .UseRateLimiter();

    private static Limit Exports(RateLimitOptions limits) => new("exports", limits.Exports, "Each customer");

    /// <summary>Who calls decides the bucket; portal downloads of the export count as exports.</summary>
    private static (Limit, string)? ByCaller(HttpContext context, RateLimitOptions limits)
    {
        var request = context.Request;
        return Party(context) switch
        {
            { IsClient: true } client => (new Limit("clients", limits.Clients, "Each client"), client.Id),
            { } customer when HttpMethods.IsGet(request.Method) && request.Query["handler"].ToString().StartsWith("Export", StringComparison.Ordinal) =>
                (Exports(limits), customer.Id),
            { } customer when HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) => (new Limit("customers", limits.Customers, "Each customer"), customer.Id),
            { } customer => (new Limit("customer-writes", limits.CustomerWrites, "Each customer"), customer.Id),
            null => (new Limit("anonymous", limits.Anonymous, "Each address without a valid token"), Caller.Address(context)),
        };
    }

    private static (bool IsClient, string Id)? Party(HttpContext context) => Caller.Party(context);

    private static bool IsClientAuthentication(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method)
        && context.Request.Path.Value is "/connect/token" or "/connect/introspect" or "/connect/revoke";

    // Read once here, so that the limit can see the client id; the authorization server then reads the same parsed form.
    private static async Task ReadFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return;
        }

        try
        {
            await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (InvalidDataException)
        {
            // A malformed form is the authorization server's to refuse; it is then limited by address only.
        }
    }

    /// <summary>The client id of a request that presents a client secret (HTTP Basic, or client_secret in the form).</summary>
    private static string? PresentedClientId(HttpContext context)
    {
        string? clientId = null;
        if (AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization, out var header)
            && string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) && header.Parameter is { } parameter)
        {
            var buffer = new byte[parameter.Length];
            if (Convert.TryFromBase64String(parameter, buffer, out var written))
            {
                var credentials = Encoding.UTF8.GetString(buffer, 0, written);
                var colon = credentials.IndexOf(':', StringComparison.Ordinal);
                clientId = Uri.UnescapeDataString(colon < 0 ? credentials : credentials[..colon]);
            }
        }
        else if (context.Request.HasFormContentType && context.Features.Get<Microsoft.AspNetCore.Http.Features.IFormFeature>()?.Form is { } form
                 && form.ContainsKey("client_secret"))
        {
            clientId = form["client_id"].ToString();
        }

        // Bounded, so that made-up ids cannot grow the table of counters without end.
        return string.IsNullOrEmpty(clientId) ? null : clientId.Length > 200 ? clientId[..200] : clientId;
    }

    private static RateLimiterOptions Global(Func<HttpContext, (Limit Limit, string Key)?> classify) => new()
    {
        OnRejected = RateLimitRejection.WriteAsync,
        GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, classify(context))),
    };

    private static RateLimitPartition<string> Partition(HttpContext context, (Limit Limit, string Key)? chosen)
    {
        if (chosen is not ({ } limit, { } key))
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        RateLimitRejection.Remember(context, limit);
        return RateLimitPartition.GetTokenBucketLimiter($"{limit.Name}\n{key}", _ => limit.Quota.Bucket());
    }

    /// <summary>A named policy: each request is counted against the one limit <c>classify</c> picks for it, or none.</summary>
    private sealed class Policy(RateLimitOptions limits, Func<HttpContext, (Limit Limit, string Key)?> classify) : IRateLimiterPolicy<string>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => RateLimitRejection.WriteAsync;

        public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
            Partition(httpContext, limits.Enabled ? classify(httpContext) : null);
    }
}
