namespace VendorClient;

/// <summary>
/// Asks one customer for access, waits for her answer, reads what she granted, and follows the grant until she
/// ends it. Usage: vendor-client CODE_OR_ID [--scopes "name email"] [--purpose marketing] [--duration P6M], where
/// CODE_OR_ID is the connection code she told us (ABCDE-FGHJK), or our id for her when we already know her.
/// Settings (see <see cref="VendorClientOptions"/>): --VaultUrl, --ClientId, --ClientSecret, --ListenUrl, --WebhookSecret,
/// or the same as environment variables prefixed VENDORCLIENT_.
/// </summary>
public static class VendorClientApp
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            await Console.Error.WriteLineAsync("usage: vendor-client CONNECTION_CODE|CUSTOMER_ID [--scopes \"name email\"] [--purpose marketing] [--duration P6M]");
            return 2;
        }

        var configuration = new ConfigurationBuilder().AddEnvironmentVariables("VENDORCLIENT_").AddCommandLine(args[1..]).Build();
        var options = configuration.Get<VendorClientOptions>() ?? new VendorClientOptions();
        var scopes = (configuration["scopes"] ?? "name email").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var purpose = configuration["purpose"] ?? "marketing";
        var duration = configuration["duration"] ?? "P6M";

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddVaultClient(options);
        using var host = builder.Build();
        var services = host.Services;
        await using var listener = await WebhookListener.StartAsync(options.ListenUrl, stop.Token);
        var vault = services.GetRequiredService<VaultClient>();
        var secret = await vault.UseWebhookAsync(listener.Url, rotateSecret: options.WebhookSecret is null, stop.Token) ?? options.WebhookSecret!;
        listener.Verifier = new WebhookVerifier(secret, TimeProvider.System);
        Console.WriteLine($"Listening for the vault's notifications at {listener.Url}.");

        var flow = new VendorFlow(vault, listener, services.GetRequiredService<CustomerData>(), Console.Out);
        try
        {
            if (!Guid.TryParse(args[0], out var customerId))
            {
                customerId = await vault.ConnectAsync(args[0], stop.Token);
                Console.WriteLine($"Connected: the vault knows her to us as {customerId}.");
            }

            var requestId = await flow.AskAsync(customerId, scopes, purpose, "Sample vendor: a newsletter we would like to send you.", duration, stop.Token);
            Console.WriteLine("Waiting for the customer to decide (she sees the request under GET /v1/me/access-requests)...");
            var decision = await flow.AwaitDecisionAsync(requestId, stop.Token);
            if (decision is not { Status: "approved", GrantId: { } grantId })
            {
                return 0;
            }

            await flow.ReadAsync(customerId, grantId, purpose, stop.Token);
            Console.WriteLine("Following the grant; revoke it as the customer to see the data go.");
            var ending = await flow.FollowAsync(customerId, grantId, purpose, stop.Token);
            Console.WriteLine($"The grant was {ending}. Reading again to show the vault refuses:");
            await flow.ReadAsync(customerId, grantId, purpose, stop.Token);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 130;
        }
    }
}
