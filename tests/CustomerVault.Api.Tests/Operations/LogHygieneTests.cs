using System.Net;
using System.Text;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Operations;

public sealed class LogHygieneTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task Logs_hold_no_profile_value_token_password_or_secret()
    {
        var customer = await app.SignUpAsync(email: "log.probe.address@example.org");
        using var api = app.CreateApiClient(customer.AccessToken);
        var patched = await api.PatchAsync("/v1/me/profile", new StringContent(
            """{ "identity": { "name": { "given": "Logprobegiven" } }, "contact": { "phone": "+4930555123987" } }""",
            Encoding.UTF8, "application/merge-patch+json"));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var invalid = await api.PatchAsync("/v1/me/profile", new StringContent(
            """{ "contact": { "email": "logprobe-invalid-value" } }""", Encoding.UTF8, "application/merge-patch+json"));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var vendor = await app.ClientCredentialsAsync("demo-vendor", "demo-vendor-secret");

        var logs = string.Join('\n', app.Logs);

        Assert.NotEmpty(app.Logs);
        foreach (var secret in new[]
                 {
                     "log.probe.address", "Logprobegiven", "4930555123987", "logprobe-invalid-value", customer.Password,
                     customer.AccessToken, customer.Tokens.RefreshToken!, customer.Tokens.IdentityToken!, vendor.AccessToken!, "demo-vendor-secret",
                 })
        {
            Assert.DoesNotContain(secret, logs);
        }
    }
}
