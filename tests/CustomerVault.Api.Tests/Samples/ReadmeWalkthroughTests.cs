using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Samples;

/// <summary>
/// README's "Calling the API" examples, run as a newcomer would paste them, against the vault started as README says
/// but on a random port: every shell block of that section in order (the CLI's aside), with <c>VAULT_URL</c> pointing at
/// it. Any call that answers an error stops the walk and fails the test with the script's output.
/// </summary>
public sealed class ReadmeWalkthroughTests : IAsyncLifetime
{
    private VaultProcess _vault = null!;
    private readonly string _work = Path.Combine(TestDatabase.RunDirectory, $"readme-{Guid.NewGuid():N}");

    public async Task InitializeAsync() => _vault = await VaultProcess.StartAsync(Path.Combine(_work, "home"));

    public async Task DisposeAsync() => await _vault.DisposeAsync();

    [Fact]
    public async Task Every_example_of_Calling_the_API_works_on_any_port()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"));
        var section = readme[readme.IndexOf("## Calling the API", StringComparison.Ordinal)..readme.IndexOf("## The profile and its catalogue", StringComparison.Ordinal)];
        var blocks = Regex.Matches(section, "```bash\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value)
            .Where(b => !b.StartsWith("export VAULT_URL=", StringComparison.Ordinal) && !b.Contains("dotnet run", StringComparison.Ordinal))
            .ToList();
        // The consent flow's block needs a person in a browser between its two halves (VendorWebJourneyTests walk it).
        Assert.Single(blocks, b => b.Contains("PASTE_THE_CODE", StringComparison.Ordinal));
        blocks = blocks.Where(b => !b.Contains("PASTE_THE_CODE", StringComparison.Ordinal)).ToList();
        Assert.True(blocks.Count >= 7, $"README's walkthrough has only {blocks.Count} blocks.");
        Assert.All(blocks, b => Assert.DoesNotContain("localhost:5080", b, StringComparison.Ordinal));

        var script = Path.Combine(_work, "walkthrough.sh");
        // Every curl fails on an HTTP error, so that a broken example stops the walk where it breaks.
        await File.WriteAllTextAsync(script, "set -euo pipefail\ncurl() { command curl --silent --show-error --fail-with-body \"$@\"; }\nset -x\n"
                                             + string.Join("\n", blocks));
        File.CreateSymbolicLink(Path.Combine(_work, "samples"), Path.Combine(Repository.Root, "samples"));

        var (exit, output) = await RunAsync(script);

        Assert.True(exit == 0, $"README's walkthrough failed (exit {exit}) against {_vault.Url}:\n{output}");
        Assert.Contains("Verified OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swagger_UI_signs_in_and_finds_the_token_endpoint_at_the_address_the_vault_runs_at()
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = _vault.Url };
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        Assert.Equal(new Uri(_vault.Url, "/connect/token").ToString(),
            (string?)document["components"]!["securitySchemes"]!["oauth2"]!["flows"]!["authorizationCode"]!["tokenUrl"]);

        var pkce = Pkce.Create();
        var redirect = new Uri(_vault.Url, "/swagger/oauth2-redirect.html");
        var authorize = await client.GetAsync("/connect/authorize?client_id=vault-customer-app&response_type=code&scope=openid%20vault.profile"
                                              + $"&redirect_uri={Uri.EscapeDataString(redirect.ToString())}&code_challenge={pkce.Challenge}&code_challenge_method=S256&state=s");

        // Not refused as an unknown redirect: the vault asks the visitor to sign in first.
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        Assert.Contains("/account/sign-in", authorize.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output)> RunAsync(string script)
    {
        var start = new ProcessStartInfo("bash", [script])
        {
            WorkingDirectory = _work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["VAULT_URL"] = _vault.Url.ToString().TrimEnd('/') },
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
