using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Messages;

/// <summary>The two-way relationship: her inbox, her answers, stopping and reporting a sender, and who may see what.</summary>
public sealed class MessageTests(WebhookVaultApp app) : IClassFixture<WebhookVaultApp>, IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Her_inbox_holds_the_message_and_her_reply_reaches_the_vendor_by_webhook_and_api_without_her_address()
    {
        var vendor = await app.RegisterVendorAsync("Kepler Lenses", webhookUrl: _receiver.Url);
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, """{ "contact": { "phone": "+442071838750" } }""");
        await app.GrantAsync(vendor, customer, contactTerms: MessageRequests.EmailTerms);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);

        var sent = await (await vendorApi.SendMessageAsync(customerId, "portal", "New lenses", "Would you like to try our new lenses?")).JsonAsync();
        var messageId = (Guid)sent["id"]!;
        Assert.Equal("delivered", (string?)sent["status"]);

        var inbox = await (await customerApi.GetAsync($"/v1/me/messages?vendorId={vendor.Id}")).JsonAsync();
        var received = Assert.Single(inbox["items"]!.AsArray())!;
        Assert.Equal("Would you like to try our new lenses?", (string?)received["body"]);
        Assert.Equal("Kepler Lenses", (string?)received["vendor"]!["name"]);

        var reply = await (await customerApi.PostAsJsonAsync($"/v1/me/messages/{messageId}/replies", new { body = "Yes, please send me a sample." })).JsonAsync();
        Assert.Equal("Re: New lenses", (string?)reply["subject"]);
        var written = await (await customerApi.PostAsJsonAsync("/v1/me/messages",
            new { vendorId = vendor.Id, kind = "idea", subject = "An idea", body = "Lenses for binoculars too?" })).JsonAsync();

        var hooks = await _receiver.WaitForAsync(r => r.Count(h => h.Type == "com.customervault.customer.message") == 2);
        var replyHook = hooks.Single(h => h.Type == "com.customervault.customer.message" && (string?)h.Data["kind"] == "reply");
        Assert.Equal("Yes, please send me a sample.", (string?)replyHook.Data["body"]);
        Assert.Equal(messageId.ToString(), (string?)replyHook.Data["inReplyTo"]);
        Assert.Equal(customerId.ToString(), (string?)replyHook.Data["customerId"]);

        var list = await (await vendorApi.GetAsync($"/v1/messages?customerId={customerId}")).Content.ReadAsStringAsync();
        var items = JsonNode.Parse(list)!["items"]!.AsArray();
        Assert.Equal(3, items.Count);
        Assert.Equal(["customer", "customer", "vendor"], items.Select(i => (string)i!["from"]!).Order());
        Assert.Contains(items, i => (Guid)i!["id"]! == (Guid)written["id"]! && (string?)i["kind"] == "idea");

        // Nothing a vendor can see carries her address or phone number.
        var single = await (await vendorApi.GetAsync($"/v1/messages/{messageId}")).Content.ReadAsStringAsync();
        foreach (var visible in new[] { list, single, sent.ToJsonString() }.Concat(_receiver.Accepted.Select(h => h.Body)))
        {
            Assert.DoesNotContain(customer.Email, visible, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("2071838750", visible);
        }
    }

    [Fact]
    public async Task A_vendor_sees_only_its_own_messages_and_a_customer_only_hers()
    {
        var vendor = await app.RegisterVendorAsync();
        var other = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var stranger = await app.SignUpAsync();
        await app.GrantAsync(vendor, customer, contactTerms: MessageRequests.EmailTerms);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var otherApi = app.Api(other);
        using var strangerApi = app.Api(stranger);
        var messageId = await (await vendorApi.SendMessageAsync(customerId, "portal")).IdAsync();

        await (await otherApi.GetAsync($"/v1/messages/{messageId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await (await otherApi.GetAsync($"/v1/messages?customerId={customerId}")).JsonAsync())["items"]!.AsArray());
        // Vendors know her only by their own id: her vault id, or another vendor's id for her, names no one.
        await (await vendorApi.SendMessageAsync(customer.Id, "portal")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await otherApi.SendMessageAsync(customerId, "portal")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(customer.Id.ToString(), await (await vendorApi.GetAsync($"/v1/messages/{messageId}")).Content.ReadAsStringAsync());
        await (await strangerApi.GetAsync($"/v1/me/messages/{messageId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await strangerApi.PostAsJsonAsync($"/v1/me/messages/{messageId}/replies", new { body = "Hi" })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await strangerApi.PostEmptyAsync($"/v1/me/messages/{messageId}/report")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await (await strangerApi.GetAsync("/v1/me/messages")).JsonAsync())["items"]!.AsArray());
        await (await strangerApi.PostAsJsonAsync("/v1/me/messages", new { vendorId = vendor.Id, kind = "feedback", subject = "Hi", body = "Hello" }))
            .AssertProblemAsync(HttpStatusCode.NotFound);

        // A customer token is no vendor token, and the other way round.
        Assert.Equal(HttpStatusCode.Forbidden, (await strangerApi.GetAsync("/v1/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await vendorApi.GetAsync("/v1/me/messages")).StatusCode);
    }

    [Fact]
    public async Task A_vendor_without_a_contact_grant_cannot_message_at_all()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        var none = await (await vendorApi.SendMessageAsync(customerId, "portal")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await app.GrantAsync(vendor, customer);
        var readOnly = await (await vendorApi.SendMessageAsync(customerId, "portal")).AssertProblemAsync(HttpStatusCode.Forbidden);
        // An id it knows no one by: nobody to message.
        await (await vendorApi.SendMessageAsync(Guid.NewGuid(), "portal")).AssertProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal("no-contact-grant", none.GetProperty("reason").GetString());
        Assert.Equal("no-contact-grant", readOnly.GetProperty("reason").GetString());
        using var customerApi = app.Api(customer);
        Assert.Empty((await (await customerApi.GetAsync("/v1/me/messages")).JsonAsync())["items"]!.AsArray());
    }

    [Fact]
    public async Task Stop_messages_ends_contact_but_not_access_and_the_vendor_hears_of_it()
    {
        var vendor = await app.RegisterVendorAsync(webhookUrl: _receiver.Url);
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, contactTerms: MessageRequests.EmailTerms);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);
        Assert.Equal(HttpStatusCode.Accepted, (await vendorApi.SendMessageAsync(customerId, "portal")).StatusCode);

        var stopped = await (await customerApi.PostEmptyAsync($"/v1/me/vendors/{vendor.Id}/stop-messages")).JsonAsync();

        Assert.Equal(1, (int)stopped["grantsChanged"]!);
        var refused = await (await vendorApi.SendMessageAsync(customerId, "portal")).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("no-contact-grant", refused.GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.OK, (await vendorApi.ReadProfileAsync(customerId)).StatusCode);
        var hook = (await _receiver.WaitForAsync(r => r.Any(h => h.Type == "com.customervault.grant.contact-ended" && (string?)h.Data["grantId"] == grantId.ToString())))
            .Single(h => h.Type == "com.customervault.grant.contact-ended" && (string?)h.Data["grantId"] == grantId.ToString());
        Assert.Equal("stopped", (string?)hook.Data["reason"]);
        await (await customerApi.PostEmptyAsync($"/v1/me/vendors/{Guid.NewGuid()}/stop-messages")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Report_as_unwanted_stops_the_vendor_and_stays_on_the_message()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.GrantAsync(vendor, customer, contactTerms: MessageRequests.EmailTerms);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);
        var messageId = await (await vendorApi.SendMessageAsync(customerId, "portal", "Buy now", "Limited offer!")).IdAsync();

        var report = await (await customerApi.PostEmptyAsync($"/v1/me/messages/{messageId}/report")).JsonAsync();

        Assert.Equal(1, (int)report["grantsChanged"]!);
        Assert.NotNull((await (await customerApi.GetAsync($"/v1/me/messages/{messageId}")).JsonAsync())["reportedAt"]);
        await (await vendorApi.SendMessageAsync(customerId, "portal")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await using var connection = await app.OpenDatabaseAsync();
        await using var reports = new Npgsql.NpgsqlCommand("SELECT count(*) FROM vault.messages WHERE vendor_id = $1 AND reported_at IS NOT NULL", connection)
        {
            Parameters = { new() { Value = vendor.Id } },
        };
        Assert.Equal(1L, await reports.ExecuteScalarAsync());

        var reply = await (await customerApi.PostAsJsonAsync($"/v1/me/messages/{messageId}/replies", new { body = "Please stop." })).IdAsync();
        await (await customerApi.PostEmptyAsync($"/v1/me/messages/{reply}/report")).AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Without_an_smtp_relay_the_email_is_an_eml_file_in_the_data_folder()
    {
        var vendor = await app.RegisterVendorAsync("Galileo Glass");
        var customer = await app.SignUpAsync();
        await app.GrantAsync(vendor, customer, contactTerms: MessageRequests.EmailTerms);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        var messageId = await (await vendorApi.SendMessageAsync(customerId, body: "Your order has shipped.")).IdAsync();

        var file = Path.Combine(TestDatabase.DataDirectory, "outgoing-mail", $"{messageId:N}.eml");
        await Eventually.HoldsAsync(() => File.Exists(file), $"{file} was not written.");
        var mail = await MimeKit.MimeMessage.LoadAsync(file);
        Assert.Equal(customer.Email, Assert.Single(mail.To.Mailboxes).Address);
        Assert.Equal("Galileo Glass", Assert.Single(mail.From.Mailboxes).Name);
        Assert.Contains("Your order has shipped.", mail.TextBody);
        File.Delete(file);
    }

    [Fact]
    public async Task A_text_message_goes_to_the_development_provider_the_log_with_her_number_masked()
    {
        var vendor = await app.RegisterVendorAsync("Copernicus Clocks");
        var customer = await app.SignUpAsync();
        await app.GrantAsync(vendor, customer, contactTerms: MessageRequests.EmailTerms);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        var noPhone = await (await vendorApi.SendMessageAsync(customerId, "sms")).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("no-address", noPhone.GetProperty("reason").GetString());
        await app.SetProfileAsync(customer, """{ "contact": { "phone": "+442071838750" } }""");

        var messageId = await (await vendorApi.SendMessageAsync(customerId, "sms", "Clock repaired", "Your clock is ready.")).IdAsync();

        await Eventually.HoldsAsync(() => app.Logs.Any(l => l.Contains($"SMS {messageId}", StringComparison.Ordinal)), "The SMS was not written to the log.");
        var line = app.Logs.Single(l => l.Contains($"SMS {messageId}", StringComparison.Ordinal));
        Assert.Contains("***********50", line);
        Assert.Contains("Copernicus Clocks: Clock repaired", line);
        Assert.DoesNotContain("2071838750", line);
        await Eventually.HoldsAsync(async () => (string?)(await (await vendorApi.GetAsync($"/v1/messages/{messageId}")).JsonAsync())["status"] == "delivered",
            "The SMS was not recorded as delivered.");
    }

    [Fact]
    public async Task Bad_messages_are_400_naming_the_field_and_a_retry_with_the_same_key_is_the_same_message()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.GrantAsync(vendor, customer, contactTerms: MessageRequests.EmailTerms);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        var injected = await (await vendorApi.SendMessageAsync(customerId, subject: "Hello\r\nBcc: everyone@example.org")).AssertProblemAsync(HttpStatusCode.BadRequest);
        var tooLong = await (await vendorApi.SendMessageAsync(customerId, body: new string('x', 10_001))).AssertProblemAsync(HttpStatusCode.BadRequest);
        var phone = await (await vendorApi.SendMessageAsync(customerId, "phone", purpose: "gossip")).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["subject"], injected.ErrorFields());
        Assert.Equal(["body"], tooLong.ErrorFields());
        Assert.Equal(["channel", "purpose"], phone.ErrorFields().Order());

        var first = await (await vendorApi.SendMessageAsync(customerId, "portal", idempotencyKey: "order-42")).IdAsync();
        var again = await (await vendorApi.SendMessageAsync(customerId, "portal", idempotencyKey: "order-42")).IdAsync();
        Assert.Equal(first, again);
        await (await vendorApi.SendMessageAsync(customerId, "portal", body: "Something else", idempotencyKey: "order-42"))
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        using var customerApi = app.Api(customer);
        Assert.Single((await (await customerApi.GetAsync("/v1/me/messages")).JsonAsync())["items"]!.AsArray());
    }
}
