using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Messages;

/// <summary>Vendor messages reach her mailbox through a real SMTP server, under her terms, once.</summary>
public sealed class MessageDeliveryTests(MessagingVaultApp app) : IClassFixture<MessagingVaultApp>
{
    [Fact]
    public async Task Her_mailbox_gets_the_message_from_the_vault_under_the_vendors_name_with_one_click_unsubscribe_that_ends_contact()
    {
        var vendor = await app.RegisterVendorAsync("Hubble Optics");
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, contactTerms: MessageRequests.EmailTerms);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        var accepted = await vendorApi.SendMessageAsync(customerId, subject: "Your telescope is ready", body: "Come and collect it on Monday.\nThe Hubble team");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var messageId = await accepted.IdAsync();

        var mail = Assert.Single(await app.Smtp.WaitForAsync(customer.Email));
        var from = Assert.Single(mail.From.Mailboxes);
        Assert.Equal("Hubble Optics", from.Name);
        Assert.Equal("messages@vault.example", from.Address);
        Assert.Equal(customer.Email, Assert.Single(mail.To.Mailboxes).Address);
        Assert.Equal("Your telescope is ready", mail.Subject);
        Assert.Contains("Come and collect it on Monday.\nThe Hubble team", mail.TextBody!.ReplaceLineEndings("\n"));
        Assert.Equal("List-Unsubscribe=One-Click", mail.Headers["List-Unsubscribe-Post"]);
        var unsubscribe = new Uri(mail.Headers["List-Unsubscribe"]!.Trim('<', '>'));
        Assert.StartsWith(VaultApp.Issuer, unsubscribe.AbsoluteUri);

        await Eventually.HoldsAsync(async () => (string?)(await (await vendorApi.GetAsync($"/v1/messages/{messageId}")).JsonAsync())["status"] == "delivered",
            "The vendor never saw the message delivered.");

        // What her mail program does for one-click unsubscribe: a POST without cookies or sign-in.
        using var mailProgram = app.CreateApiClient();
        var done = await mailProgram.PostAsync(unsubscribe.PathAndQuery,
            new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" }));
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);

        var refused = await (await vendorApi.SendMessageAsync(customerId)).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("no-contact-grant", refused.GetProperty("reason").GetString());

        using var customerApi = app.Api(customer);
        var grant = await (await customerApi.GetAsync($"/v1/me/grants/{grantId}")).JsonAsync();
        Assert.Equal("active", (string?)grant["status"]);
        Assert.Null(grant["contactTerms"]);
        using var auditor = await app.AuditorAsync();
        var history = await (await auditor.GetAsync($"/v1/audit/customers/{customer.Id}/history")).Content.ReadAsStringAsync();
        Assert.Contains("grant_contact_ended", history);
        Assert.Contains($"customer:{customer.Id}", history);

        // A forged or altered link does nothing.
        var forged = await mailProgram.PostAsync(unsubscribe.AbsolutePath + "?token=x" + unsubscribe.Query[7..], new StringContent(""));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [Fact]
    public async Task A_message_over_the_weekly_cap_is_429_with_the_next_allowed_time_and_is_never_sent()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.GrantAsync(vendor, customer, contactTerms: new { channels = new[] { "email" }, maxContactsPerWeek = 2 });
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        Assert.Equal(HttpStatusCode.Accepted, (await vendorApi.SendMessageAsync(customerId, subject: "One")).StatusCode);
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(HttpStatusCode.Accepted, (await vendorApi.SendMessageAsync(customerId, subject: "Two")).StatusCode);
        var third = await vendorApi.SendMessageAsync(customerId, subject: "Three");

        var problem = await third.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("weekly-cap-reached", problem.GetProperty("reason").GetString());
        Assert.Equal(2, problem.GetProperty("limit").GetInt32());
        Assert.Equal(app.Clock.GetUtcNow().AddMinutes(-5).AddDays(7), problem.GetProperty("nextAllowedAt").GetDateTimeOffset(), TimeSpan.FromSeconds(1));
        Assert.NotNull(third.Headers.RetryAfter?.Delta);

        await app.Smtp.WaitForAsync(customer.Email, 2);
        await Task.Delay(500);
        Assert.Equal(["One", "Two"], app.Smtp.MessagesTo(customer.Email).Select(m => m.Subject).Order());
    }

    [Fact]
    public async Task Twenty_racing_messages_against_a_cap_of_three_send_exactly_three()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.GrantAsync(vendor, customer, contactTerms: new { channels = new[] { "email" }, maxContactsPerWeek = 3 });
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => vendorApi.SendMessageAsync(customerId, subject: $"Offer {i}")));

        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(17, answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
        await app.Smtp.WaitForAsync(customer.Email, 3);
        await Task.Delay(500);
        Assert.Equal(3, app.Smtp.MessagesTo(customer.Email).Count);
        using var customerApi = app.Api(customer);
        var log = await (await customerApi.GetAsync($"/v1/me/access-log?vendorId={vendor.Id}")).JsonAsync();
        Assert.Equal(3, log["items"]!.AsArray().Count(e => (string?)e!["kind"] == "contact"));
    }

    [Fact]
    public async Task A_channel_she_does_not_accept_or_did_not_grant_is_403()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, """{ "preferences": { "communication": { "channels": ["sms", "post"], "maxContactsPerWeek": 5 } } }""");
        await app.GrantAsync(vendor, customer, contactTerms: new { channels = new[] { "email" }, maxContactsPerWeek = 3 });
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        var email = await (await vendorApi.SendMessageAsync(customerId, "email")).AssertProblemAsync(HttpStatusCode.Forbidden);
        var sms = await (await vendorApi.SendMessageAsync(customerId, "sms")).AssertProblemAsync(HttpStatusCode.Forbidden);
        var otherPurpose = await (await vendorApi.SendMessageAsync(customerId, "email", purpose: "research")).AssertProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal("channel-not-accepted", email.GetProperty("reason").GetString());
        Assert.Equal("channel-not-granted", sms.GetProperty("reason").GetString());
        Assert.Equal("no-contact-grant", otherPurpose.GetProperty("reason").GetString());
        await Task.Delay(300);
        Assert.Empty(app.Smtp.MessagesTo(customer.Email));
    }

    [Fact]
    public async Task With_the_relay_down_the_message_waits_in_the_outbox_and_is_delivered_once_when_it_is_back()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.GrantAsync(vendor, customer, contactTerms: MessageRequests.EmailTerms);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        await app.Smtp.StopAsync();
        try
        {
            var messageId = await (await vendorApi.SendMessageAsync(customerId)).IdAsync();
            await Eventually.HoldsAsync(async () => (await app.DeliveryAsync(messageId)).Attempts >= 1, "The vault never tried to send.");
            Assert.Equal((1, "pending"), await app.DeliveryAsync(messageId));
            Assert.Equal("pending", (string?)(await (await vendorApi.GetAsync($"/v1/messages/{messageId}")).JsonAsync())["status"]);
        }
        finally
        {
            await app.Smtp.StartAgainAsync();
        }

        app.Clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Single(await app.Smtp.WaitForAsync(customer.Email));
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await Task.Delay(500);
        Assert.Single(app.Smtp.MessagesTo(customer.Email));
    }

    [Fact]
    public async Task A_message_accepted_before_a_restart_is_delivered_once_after_it()
    {
        Guid messageId;
        SignedInCustomer customer;
        string database;
        var before = new Node(null, dispatch: false);
        try
        {
            await before.InitializeAsync();
            database = before.ConnectionString;
            var vendor = await before.RegisterVendorAsync();
            customer = await before.SignUpAsync();
            await before.GrantAsync(vendor, customer, contactTerms: MessageRequests.EmailTerms);
            using var vendorApi = before.Api(vendor);
            var customerId = await before.ConnectAsync(vendor, customer);
            messageId = await (await vendorApi.SendMessageAsync(customerId)).IdAsync();
            await Task.Delay(300);
            Assert.Equal((0, "pending"), await before.DeliveryAsync(messageId));
        }
        finally
        {
            await before.DisposeAsync();
        }

        var after = new Node(database, dispatch: true);
        try
        {
            await after.InitializeAsync();
            Assert.Single(await after.Smtp.WaitForAsync(customer.Email));
            await Eventually.HoldsAsync(async () => (await after.DeliveryAsync(messageId)).Status == "delivered", "The delivery was not recorded.");
            await Task.Delay(500);
            Assert.Single(after.Smtp.MessagesTo(customer.Email));
            Assert.Equal((1, "delivered"), await after.DeliveryAsync(messageId));
        }
        finally
        {
            await after.DisposeAsync();
        }
    }

    private sealed class Node : MessagingVaultApp
    {
        private readonly bool _dispatch;

        public Node(string? database, bool dispatch)
        {
            ExistingDatabase = database;
            _dispatch = dispatch;
        }

        protected override bool Dispatch => _dispatch;
    }
}
