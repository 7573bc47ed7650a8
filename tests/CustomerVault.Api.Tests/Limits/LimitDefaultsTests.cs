using System.Globalization;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Infrastructure.RateLimiting;
using Microsoft.Extensions.Configuration;

namespace CustomerVault.Api.Tests.Limits;

/// <summary>
/// The test harness raises every rate limit so the suite does not throttle itself; here are the limits a production
/// vault runs with (its appsettings.json over the built-in defaults), checked against what README promises.
/// </summary>
public sealed class LimitDefaultsTests
{
    private static readonly IConfiguration Production = new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(Repository.Root, "src", "CustomerVault.Api", "appsettings.json"))
        .Build();

    private static readonly string[] Readme = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));

    [Fact]
    public void Every_rate_limit_is_what_README_says()
    {
        var limits = Production.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();

        Assert.True(limits.Enabled);
        foreach (var (name, quota) in limits.All())
        {
            Assert.Contains($"`{quota.PermitLimit}` per `{quota.Window.ToString("c", CultureInfo.InvariantCulture)}`", Row($"{RateLimitOptions.Section}:{name}"));
        }
    }

    [Fact]
    public void The_caps_and_token_pruning_are_what_README_says()
    {
        var consents = Production.GetSection(ConsentOptions.Section).Get<ConsentOptions>() ?? new ConsentOptions();
        var pruning = Production.GetSection(TokenOptions.Section).Get<TokenPruningOptions>() ?? new TokenPruningOptions();

        Assert.Contains($"| `{consents.MaxActiveGrantsPerCustomer}` |", Row("Vault:Consents:MaxActiveGrantsPerCustomer"));
        Assert.Contains($"| `{consents.MaxActiveGrantsPerVendorAndCustomer}` |", Row("Vault:Consents:MaxActiveGrantsPerVendorAndCustomer"));
        Assert.Contains($"| `{consents.MaxPendingRequestsPerCustomer}` |", Row("Vault:Consents:MaxPendingRequestsPerCustomer"));
        Assert.Contains($"| `{consents.MaxPendingRequestsPerVendorAndCustomer}` |", Row("Vault:Consents:MaxPendingRequestsPerVendorAndCustomer"));
        Assert.Contains($"`{pruning.PruneInterval:c}`, `{pruning.PruneAfter:c}`", Row("Vault:Tokens:PruneInterval"));
    }

    private static string Row(string key) =>
        Assert.Single(Readme, line => line.StartsWith($"| `{key}`", StringComparison.Ordinal));
}
