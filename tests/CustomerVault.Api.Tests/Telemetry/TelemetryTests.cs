using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Api.Tests.Webhooks;

namespace CustomerVault.Api.Tests.Telemetry;

[Collection(ProcessWideSettings.Name)]
public sealed class TelemetryTests(TelemetryVaultApp app) : IClassFixture<TelemetryVaultApp>
{
    private WebhookReceiver Receiver => app.Receiver;

    [Fact]
    public async Task A_vendor_read_is_one_trace_through_the_endpoint_and_the_database_and_no_span_or_log_holds_a_profile_value_or_a_token()
    {
        var marker = Guid.NewGuid().ToString("N")[..10];
        var customer = await app.SignUpAsync(email: $"span.{marker}@example.org");
        var phone = $"4930{Random.Shared.Next(10_000_000, 99_999_999)}";
        await app.SetProfileAsync(customer, $$"""{ "identity": { "name": { "given": "Given{{marker}}" } }, "contact": { "phone": "+{{phone}}" } }""");
        var vendor = await app.RegisterVendorAsync(webhookUrl: Receiver.Url);
        await app.GrantAsync(vendor, customer, "name email phone");
        var customerId = await app.ConnectAsync(vendor, customer);
        using var vendorApi = app.Api(vendor);

        var read = await vendorApi.GetAsync($"/v1/customers/{customerId}/profile?purpose=marketing&note=query{marker}");

        var body = await read.Content.ReadAsStringAsync();
        Assert.True(read.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains($"Given{marker}", body);
        await Receiver.WaitForAsync(r => r.Any(w => w.Type == "com.customervault.access-request.approved" && Of(customerId, w)));
        var server = await SpanAsync(s => s.Kind == ActivityKind.Server && s.GetTagItem("url.path") as string == $"/v1/customers/{customerId}/profile");
        Assert.Equal("/v1/customers/{customerId:guid}/profile", server.GetTagItem("http.route"));
        Assert.Equal(200, server.GetTagItem("http.response.status_code"));
        Assert.DoesNotContain(marker, server.GetTagItem("url.query") as string ?? "");
        var database = app.Spans.Where(s => s.TraceId == server.TraceId && s.Source.Name == "Npgsql").ToList();
        Assert.NotEmpty(database);
        Assert.Contains(database, s => (s.GetTagItem("db.query.text") as string)?.Contains("SELECT", StringComparison.Ordinal) == true);
        Assert.All(database, s => Assert.Equal("vault-reads", s.GetTagItem("db.npgsql.data_source")));
        await SpanAsync(s => s.Kind == ActivityKind.Client && s.Source.Name == "System.Net.Http" && (s.GetTagItem("url.full") as string)?.StartsWith(Receiver.Url, StringComparison.Ordinal) == true);

        var spans = string.Join('\n', app.Spans.Select(Describe));
        var logs = string.Join('\n', app.Logs);
        foreach (var secret in new[]
                 {
                     $"span.{marker}", $"Given{marker}", phone, $"query{marker}", customer.Password, customer.AccessToken, customer.Tokens.RefreshToken!,
                     customer.Tokens.IdentityToken!, vendor.AccessToken, vendor.Secret, vendor.WebhookSecret, "demo-operator-secret",
                 })
        {
            Assert.DoesNotContain(secret, spans);
            Assert.DoesNotContain(secret, logs);
        }
    }

    [Fact]
    public async Task Reads_refusals_decisions_and_deliveries_are_reported_under_their_conventional_names_and_labels()
    {
        var marker = Guid.NewGuid().ToString("N")[..10];
        var customer = await app.SignUpAsync(email: $"metric.{marker}@example.org");
        await app.SetProfileAsync(customer, $$"""{ "identity": { "name": { "given": "Given{{marker}}" } } }""");
        var vendor = await app.RegisterVendorAsync(webhookUrl: Receiver.Url);
        using var vendorApi = app.Api(vendor);
        using var customerApi = app.Api(customer);
        var before = await app.ScrapeAsync();

        // The receiver is down: the approval's notification waits in the outbox.
        Receiver.Down = true;
        var grantId = await app.GrantAsync(vendor, customer, "name email", approved: "name");
        var customerId = await app.ConnectAsync(vendor, customer);
        await app.FirstFailureAsync(vendor);
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await Eventually.HoldsAsync(async () => (await app.ScrapeAsync()).Max("customervault_outbox_oldest_pending_age_seconds",
            ("customervault_outbox_name", "webhooks")) >= 60, "The outbox's oldest pending age was not reported.");
        var waiting = await app.ScrapeAsync();
        Assert.True(waiting.Max("customervault_outbox_pending", ("customervault_outbox_name", "webhooks")) >= 1, waiting.Text);

        Receiver.Down = false;
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await Receiver.WaitForAsync(r => r.Any(w => w.Accepted && w.Type == "com.customervault.access-request.approved" && Of(customerId, w)), TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await vendorApi.ReadProfileAsync(customerId)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await vendorApi.ReadProfileAsync(customerId, "analytics")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await vendorApi.ReadProfileAsync(customerId, "curiosity")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await vendorApi.ReadProfileAsync(customerId)).StatusCode);
        await Receiver.WaitForAsync(r => r.Any(w => w.Type == "com.customervault.grant.revoked" && Of(customerId, w)));

        Scrape after = null!;
        (string Metric, (string, string)[] Labels, double Increase)[] expected =
        [
            ("customervault_vendor_reads_total", [("customervault_read_outcome", "served")], 1),
            ("customervault_vendor_reads_total", [("customervault_read_outcome", "refused"), ("customervault_read_reason", "no_active_grant")], 2),
            ("customervault_vendor_reads_total", [("customervault_read_outcome", "refused"), ("customervault_read_reason", "invalid_purpose")], 1),
            ("customervault_consent_decisions_total", [("customervault_decision_kind", "approved_partially")], 1),
            ("customervault_consent_decisions_total", [("customervault_decision_kind", "revoked")], 1),
            ("customervault_webhook_delivery_attempts_total", [("customervault_delivery_result", "retrying"), ("error_type", "503")], 1),
            ("customervault_webhook_delivery_attempts_total", [("customervault_delivery_result", "delivered")], 2),
            ("customervault_access_log_commit_duration_seconds_count", [], 1),
        ];
        await Eventually.HoldsAsync(async () =>
        {
            after = await app.ScrapeAsync();
            return expected.All(e => (after.Values(e.Metric, e.Labels).Sum() - before.Values(e.Metric, e.Labels).Sum()) >= e.Increase);
        }, () => "Not every increase was reported: " + string.Join(", ", expected.Select(e =>
            $"{e.Metric}{{{string.Join(',', e.Labels)}}} +{after.Values(e.Metric, e.Labels).Sum() - before.Values(e.Metric, e.Labels).Sum()}")));

        foreach (var metric in new[]
                 {
                     // The conventional meters of ASP.NET Core, Kestrel, HttpClient, the runtime and Npgsql.
                     "customervault_access_log_queue_size", "customervault_access_log_commit_records_count", "http_server_request_duration_seconds_count",
                     "http_client_request_duration_seconds_count", "kestrel_active_connections", "dotnet_gc_collections_total", "db_client_operation_duration_seconds_count",
                 })
        {
            Assert.True(after.Values(metric).Count > 0, $"{metric} is missing:\n{after.Text}");
        }

        Assert.NotEmpty(after.Values("http_server_request_duration_seconds_count", ("http_route", "/v1/customers/{customerId:guid}/profile")));
        foreach (var secret in new[] { $"metric.{marker}", $"Given{marker}", customer.Id.ToString(), customerId.ToString(), vendor.Id.ToString(), vendor.ClientId, customer.AccessToken, vendor.AccessToken })
        {
            Assert.DoesNotContain(secret, after.Text);
        }
    }

    // Notifications name her by the vendor's id for her.
    private static bool Of(Guid customerAtVendor, ReceivedWebhook webhook) => (string?)webhook.Data["customerId"] == customerAtVendor.ToString();

    private async Task<Activity> SpanAsync(Func<Activity, bool> match)
    {
        Activity? found = null;
        await Eventually.HoldsAsync(() => (found = app.Spans.FirstOrDefault(match)) is not null, "No such span was recorded.");
        return found!;
    }

    private static string Describe(Activity span) =>
        $"{span.Source.Name} {span.DisplayName} {span.StatusDescription} "
        + string.Join(' ', span.TagObjects.Select(t => $"{t.Key}={t.Value}"))
        + string.Join(' ', span.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name}:{t.Key}={t.Value}")))
        + string.Join(' ', span.Baggage.Select(b => $"{b.Key}={b.Value}"));
}
