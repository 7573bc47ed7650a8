using CustomerVault;
using CustomerVault.AccessLog;
using CustomerVault.Audit;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Insights;
using CustomerVault.Messages;
using CustomerVault.MyData;
using CustomerVault.Profiles;
using CustomerVault.VendorAccess;
using CustomerVault.VendorConsent;
using CustomerVault.Vendors;
using CustomerVault.Webhooks;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddVaultInfrastructure();
    builder.AddVaultIdentity();
    builder.AddVaultProfiles();
    builder.AddVaultVendors();
    builder.AddVaultConnections();
    builder.AddVaultVendorConsent();
    builder.AddVaultConsents();
    builder.AddVaultVendorAccess();
    builder.AddVaultAccessLog();
    builder.AddVaultWebhooks();
    builder.AddVaultMessages();
    builder.AddVaultAudit();
    builder.AddVaultMyData();
    builder.AddVaultInsights();

    var app = builder.Build();
    app.UseVaultInfrastructure();
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
