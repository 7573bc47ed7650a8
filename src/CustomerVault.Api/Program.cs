using CustomerVault;
using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Database;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Infrastructure.OpenApi;
using CustomerVault.Webhooks;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.Services.AddSingleton(TimeProvider.System);
    builder.Services.AddHttpContextAccessor();
    builder.Services.AddVaultDatabase();
    builder.AddVaultIdentity();
    builder.Services.AddVaultEventStore(builder.Configuration, builder.Environment);
    builder.Services.AddVaultConsents(builder.Configuration);
    builder.Services.AddVaultWebhooks(builder.Configuration);
    builder.Services.AddVaultProblemDetails();
    builder.Services.AddVaultOpenApi();
    builder.Services.AddVaultWeb();

    var app = builder.Build();
    // Start the database before the host, so a machine without PostgreSQL gets one clear message.
    app.Services.GetRequiredService<VaultDatabase>().EnsureStarted();
    app.UseVaultWeb();
    app.UseVaultOpenApi();
    app.MapVaultApi();
    app.Run();
    return 0;
}
catch (VaultStartupException e)
{
    Console.Error.WriteLine($"CustomerVault cannot start: {e.Message}");
    return 1;
}

/// <summary>The API host; public so that tests can start it in-process.</summary>
public partial class Program;
