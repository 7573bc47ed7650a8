using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Identity;

/// <summary>
/// Guessing is slowed by account and address, by address, and by account, and none of it can be turned against the
/// account's owner or tell anyone who has an account. Each test's clients connect from loopback addresses of its own.
/// </summary>
public sealed class SignInProtectionTests(SignInProtectionTests.Vault app) : IClassFixture<SignInProtectionTests.Vault>
{
    private const string WrongPassword = "not the password at all";
    private const string RefusedMessage = "The e-mail address or the password is not right.";

    public sealed class Vault : NetworkVaultApp
    {
        // The defaults for the pair; small limits for the address and the account, so tests reach them quickly.
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Vault:SignIn:MaxFailuresPerAddress"] = "8",
            ["Vault:SignIn:MaxFailuresPerAccount"] = "12",
        };
    }

    [Fact]
    public async Task Five_wrong_passwords_from_one_address_do_not_stop_the_owner_signing_in_from_another()
    {
        var owner = await app.SignUpAsync();
        using var attacker = app.CreateBrowserFrom("127.0.0.11");
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await SignInAsync(attacker, owner.Email, WrongPassword);
        }

        var attackerWithTheRightPassword = await SignInAsync(attacker, owner.Email, owner.Password);
        using var ownersBrowser = app.CreateBrowserFrom("127.0.0.12");
        var fromElsewhere = await SignInAsync(ownersBrowser, owner.Email, owner.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, attackerWithTheRightPassword.StatusCode);
        Assert.True(int.Parse(attackerWithTheRightPassword.Headers.RetryAfter!.ToString()) > 0);
        Assert.Contains("Too many attempts", await attackerWithTheRightPassword.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, fromElsewhere.StatusCode);
    }

    [Fact]
    public async Task An_existing_and_an_unknown_account_get_the_same_answers_before_and_after_the_throttle()
    {
        var existing = await app.SignUpAsync();
        var unknown = $"nobody-{Guid.NewGuid():N}@example.org";
        var answers = new Dictionary<string, List<(HttpStatusCode Status, string? Error)>> { [existing.Email] = [], [unknown] = [] };
        var address = 21;
        foreach (var (email, answered) in answers)
        {
            using var browser = app.CreateBrowserFrom($"127.0.0.{address++}");
            for (var attempt = 0; attempt < 6; attempt++)
            {
                var response = await SignInAsync(browser, email, WrongPassword);
                answered.Add((response.StatusCode, ErrorOf(await response.Content.ReadAsStringAsync())));
            }
        }

        Assert.Equal(answers[existing.Email], answers[unknown]);
        Assert.Equal(Enumerable.Repeat((HttpStatusCode.OK, (string?)RefusedMessage), 5), answers[unknown].Take(5));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[unknown][5].Status);
        Assert.DoesNotContain(answers[existing.Email], a => a.Error?.Contains("lock", StringComparison.OrdinalIgnoreCase) == true);
    }

    [Fact]
    public async Task A_wrong_password_for_an_unknown_account_takes_about_as_long_as_for_an_existing_one()
    {
        var existing = await app.SignUpAsync();
        var existingTimes = new List<double>();
        var unknownTimes = new List<double>();
        // Interleaved, each from an address of its own, so load on the machine falls on both alike.
        for (var attempt = 0; attempt < 4; attempt++)
        {
            using var browser = app.CreateBrowserFrom($"127.0.0.{31 + attempt}");
            existingTimes.Add(await TimeAsync(browser, existing.Email));
            unknownTimes.Add(await TimeAsync(browser, $"nobody-{Guid.NewGuid():N}@example.org"));
        }

        // Both check a password hash (PBKDF2, tens of milliseconds); without the stand-in hash an unknown account answers in a few.
        var existingMedian = existingTimes.Order().ElementAt(2);
        var unknownMedian = unknownTimes.Order().ElementAt(2);
        Assert.True(unknownMedian > existingMedian * 0.5, $"unknown {unknownMedian:F1} ms against existing {existingMedian:F1} ms");

        static async Task<double> TimeAsync(HttpClient browser, string email)
        {
            var fields = await FormAsync(browser, email, WrongPassword);
            var clock = Stopwatch.StartNew();
            var response = await browser.PostAsync("/account/sign-in", new FormUrlEncodedContent(fields));
            clock.Stop();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return clock.Elapsed.TotalMilliseconds;
        }
    }

    [Fact]
    public async Task One_address_trying_many_accounts_waits_for_all_of_them_while_others_sign_in()
    {
        var owner = await app.SignUpAsync();
        using var sprayer = app.CreateBrowserFrom("127.0.0.41");
        for (var attempt = 0; attempt < 8; attempt++)
        {
            await SignInAsync(sprayer, $"guess-{attempt}@example.org", WrongPassword);
        }

        var sprayerOnTheOwnersAccount = await SignInAsync(sprayer, owner.Email, owner.Password);
        using var ownersBrowser = app.CreateBrowserFrom("127.0.0.42");
        var owners = await SignInAsync(ownersBrowser, owner.Email, owner.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, sprayerOnTheOwnersAccount.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, owners.StatusCode);
    }

    [Fact]
    public async Task An_account_attacked_from_many_addresses_still_lets_in_the_browser_its_owner_signed_in_from_before()
    {
        var owner = await app.SignUpAsync();
        using var ownersBrowser = app.CreateBrowserFrom("127.0.0.51");
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(ownersBrowser, owner.Email, owner.Password)).StatusCode);
        await ownersBrowser.SubmitFormAsync("/account/sign-out", []); // the session ends; the trusted-device cookie stays

        for (var address = 0; address < 3; address++)
        {
            using var attacker = app.CreateBrowserFrom($"127.0.0.{52 + address}");
            for (var attempt = 0; attempt < 4; attempt++)
            {
                await SignInAsync(attacker, owner.Email, WrongPassword);
            }
        }

        using var newBrowser = app.CreateBrowserFrom("127.0.0.56");
        var fromANewBrowser = await SignInAsync(newBrowser, owner.Email, owner.Password);
        var fromHerBrowser = await SignInAsync(ownersBrowser, owner.Email, owner.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, fromANewBrowser.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, fromHerBrowser.StatusCode);
    }

    [Fact]
    public async Task Sign_up_for_a_registered_address_does_not_say_so_and_repeated_tries_make_the_address_wait()
    {
        var registered = await app.SignUpAsync();
        using var prober = app.CreateBrowserFrom("127.0.0.61");

        var first = await SignUpAsync(prober, registered.Email);
        var page = await first.Content.ReadAsStringAsync();
        for (var attempt = 1; attempt < 8; attempt++)
        {
            await SignUpAsync(prober, registered.Email);
        }

        var unregisteredFromTheProber = await SignUpAsync(prober, $"new-{Guid.NewGuid():N}@example.org");
        using var someoneElse = app.CreateBrowserFrom("127.0.0.62");
        var unregisteredFromElsewhere = await SignUpAsync(someoneElse, $"new-{Guid.NewGuid():N}@example.org");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var error = ErrorOf(page)!;
        Assert.DoesNotContain(registered.Email, error, StringComparison.OrdinalIgnoreCase);
        foreach (var telltale in new[] { "taken", "already registered", "exists", "in use" })
        {
            Assert.DoesNotContain(telltale, error, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, unregisteredFromTheProber.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, unregisteredFromElsewhere.StatusCode);
    }

    [Fact]
    public async Task An_empty_sign_in_form_gets_the_same_answer_as_a_wrong_password()
    {
        using var browser = app.CreateBrowserFrom("127.0.0.71");

        var response = await SignInAsync(browser, "", "");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(RefusedMessage, ErrorOf(await response.Content.ReadAsStringAsync()));
    }

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string email, string password) =>
        await browser.PostAsync("/account/sign-in", new FormUrlEncodedContent(await FormAsync(browser, email, password)));

    private static async Task<Dictionary<string, string>> FormAsync(HttpClient browser, string email, string password)
    {
        var fields = new Dictionary<string, string> { ["Email"] = email, ["Password"] = password };
        fields["__RequestVerificationToken"] = Customers.AntiforgeryToken(await browser.GetStringAsync("/account/sign-in"));
        return fields;
    }

    private static Task<HttpResponseMessage> SignUpAsync(HttpClient browser, string email) =>
        browser.SubmitFormAsync("/account/sign-up", new() { ["Email"] = email, ["Password"] = Customers.Password, ["ConfirmPassword"] = Customers.Password });

    /// <summary>The page's error message(s), as the customer reads them.</summary>
    private static string? ErrorOf(string page)
    {
        var match = Regex.Match(page, """<p class="errors"[^>]*>(.*?)</p>|<div class="errors"[^>]*>(.*?)</div>""", RegexOptions.Singleline);
        return match.Success ? WebUtility.HtmlDecode(Regex.Replace(match.Groups[1].Value + match.Groups[2].Value, "<[^>]+>|\\s+", " ").Trim()) : null;
    }
}
