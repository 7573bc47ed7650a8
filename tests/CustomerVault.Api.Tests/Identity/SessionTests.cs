using System.Net;
using CustomerVault.Api.Tests.Support;
using Npgsql;

namespace CustomerVault.Api.Tests.Identity;

public sealed class SessionTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task End_session_signs_the_customer_out_of_the_vault_and_returns_to_the_app()
    {
        using var browser = app.CreateBrowser();
        var email = $"session-{Guid.NewGuid():N}@example.org";
        var signedUp = await browser.SubmitFormAsync("/account/sign-up", new()
        {
            ["Email"] = email, ["Password"] = Customers.Password, ["ConfirmPassword"] = Customers.Password,
        });
        Assert.Equal(HttpStatusCode.Redirect, signedUp.StatusCode);
        var authorizeUrl = Customers.AuthorizeUrl("openid vault.profile", Pkce.Create(), "s");
        Assert.StartsWith(VaultApp.CustomerAppRedirectUri, (await browser.GetAsync(authorizeUrl)).Headers.Location!.OriginalString);

        var endSession = await browser.GetAsync($"/connect/endsession?client_id={VaultApp.CustomerAppClientId}&post_logout_redirect_uri={Uri.EscapeDataString("http://localhost:5080/")}");

        Assert.Equal(HttpStatusCode.Redirect, endSession.StatusCode);
        Assert.Equal("http://localhost:5080/", endSession.Headers.Location!.OriginalString);
        var afterwards = await browser.GetAsync(authorizeUrl);
        Assert.StartsWith("/account/sign-in", afterwards.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Data_protection_keys_are_shared_through_the_database_and_encrypted_there()
    {
        await app.SignUpAsync();

        await using var db = await app.OpenDatabaseAsync();
        await using var select = new NpgsqlCommand("""SELECT "Xml" FROM identity."DataProtectionKeys" """, db);
        var xml = (string?)await select.ExecuteScalarAsync();

        Assert.NotNull(xml);
        Assert.Contains("encryptedSecret", xml);
        Assert.DoesNotContain("<value>", xml);
    }
}
