using System.Collections.Concurrent;
using CustomerVault.Infrastructure.Database;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CustomerVault.Api.Tests.Support;

/// <summary>
/// The vault API in-process over real HTTP semantics (TestServer), on its own PostgreSQL database, with real
/// OAuth tokens from its own authorization server and a clock the test controls.
/// </summary>
public class VaultApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string CustomerAppClientId = "vault-customer-app";
    public const string CustomerAppRedirectUri = "http://127.0.0.1:5081/callback";

    /// <summary>The issuer every test vault is configured with: the address its test server answers at.</summary>
    public const string Issuer = "http://localhost/";

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public string ConnectionString { get; protected set; } = "";

    /// <summary>Everything the vault logged, to check what never appears in logs.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>The limits of Vault:RateLimits, each raised far beyond what the suite sends unless a test class sets it.</summary>
    public static readonly IReadOnlyList<string> RateLimitNames =
        ["Clients", "Customers", "CustomerWrites", "Exports", "Anonymous", "TokenRequests", "TokenRequestsPerClient", "SignIn", "SignUp"];

    /// <summary>Where development keys (and an embedded database, if any) live.</summary>
    protected virtual string DataDirectory => TestDatabase.DataDirectory;

    public virtual async Task InitializeAsync()
    {
        var name = $"t_{GetType().Name.ToLowerInvariant()}_{Guid.NewGuid():N}";
        ConnectionString = await TestDatabase.CreateDatabaseAsync(name.Length > 63 ? name[..63] : name);
        Start();
    }

    /// <summary>Starts the host now, so the first test does not pay for it inside its timeout.</summary>
    protected virtual void Start() => _ = Server;

    public new virtual async Task DisposeAsync() => await base.DisposeAsync();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting($"ConnectionStrings:{VaultDatabase.ConnectionStringName}", ConnectionString);
        builder.UseSetting("Vault:DataDirectory", DataDirectory);
        builder.UseSetting("Vault:Tokens:Issuer", Issuer);
        // Every test client shares one address and a few clients: with production limits the suite would throttle
        // itself. The limiter still runs on every request; RateLimitTests sets small limits of its own.
        foreach (var limit in RateLimitNames)
        {
            builder.UseSetting($"Vault:RateLimits:{limit}:PermitLimit", "1000000");
        }

        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(new CapturingLoggerProvider(Logs));
            // VAULT_TEST_LOGS=1 shows the vault's own logs while debugging a test.
            if (Environment.GetEnvironmentVariable("VAULT_TEST_LOGS") != "1")
            {
                logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(_ => false);
            }
        });
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            ConfigureTestServices(services);
        });
    }

    /// <summary>Replaces true boundaries (DNS, say) for a test class.</summary>
    protected virtual void ConfigureTestServices(IServiceCollection services)
    {
    }

    /// <summary>A client that keeps cookies and does not follow redirects, so a test sees each step of a sign-in.</summary>
    public HttpClient CreateBrowser() => CreateHttpClient(handleCookies: true);

    public HttpClient CreateApiClient(string? accessToken = null)
    {
        var client = CreateHttpClient(handleCookies: false);
        if (accessToken is not null)
        {
            client.SetBearerToken(accessToken);
        }

        return client;
    }

    protected virtual HttpClient CreateHttpClient(bool handleCookies) =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = handleCookies });

    public async Task<TokenResponse> ClientCredentialsAsync(string clientId, string secret, string? scope = null)
    {
        using var client = CreateApiClient();
        var response = await client.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token",
            ClientId = clientId,
            ClientSecret = secret,
            Scope = scope,
        });
        return response;
    }

    public async Task<NpgsqlConnection> OpenDatabaseAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The types of a stream's events as stored, in order.</summary>
    public async Task<IReadOnlyList<string>> EventTypesAsync(Guid streamId)
    {
        await using var db = await OpenDatabaseAsync();
        await using var select = new NpgsqlCommand("SELECT type FROM vault.mt_events WHERE stream_id = $1 ORDER BY version", db)
        {
            Parameters = { new() { Value = streamId } },
        };
        var types = new List<string>();
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            types.Add(reader.GetString(0));
        }

        return types;
    }
}

internal sealed class CapturingLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, sink);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
