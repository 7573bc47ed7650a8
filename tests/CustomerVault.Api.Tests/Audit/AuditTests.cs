using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using Npgsql;

namespace CustomerVault.Api.Tests.Audit;

public sealed class AuditTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task As_of_shows_the_pending_request_before_the_approval_the_active_grant_between_and_the_revoked_grant_after_the_revocation()
    {
        var vendor = await app.RegisterVendorAsync("Time Travel Ltd");
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        var requestId = await (await vendorApi.RequestAccessAsync(await app.ConnectAsync(vendor, customer), "name email phone")).IdAsync();
        var beforeApproval = app.Clock.GetUtcNow().AddMinutes(1);
        app.Clock.Advance(TimeSpan.FromMinutes(2));

        using (var customerApi = await app.FreshApiAsync(customer))
        {
            var approved = await (await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { scopes = new[] { "name", "email" } })).JsonAsync();
            var grantId = (Guid)approved["grantId"]!;
            var betweenAt = app.Clock.GetUtcNow().AddMinutes(1);
            app.Clock.Advance(TimeSpan.FromMinutes(2));
            using var customerLater = await app.FreshApiAsync(customer);
            Assert.Equal(HttpStatusCode.OK, (await customerLater.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { })).StatusCode);
            var afterAt = app.Clock.GetUtcNow().AddSeconds(1);
            app.Clock.Advance(TimeSpan.FromSeconds(2));

            using var auditor = await app.AuditorAsync();
            var before = await AsOfAsync(auditor, customer.Id, beforeApproval);
            var between = await AsOfAsync(auditor, customer.Id, betweenAt);
            var after = await AsOfAsync(auditor, customer.Id, afterAt);

            Assert.Equal("pending", (string?)Assert.Single(before["requests"]!.AsArray())!["status"]);
            Assert.Empty(before["grants"]!.AsArray());

            var activeGrant = Assert.Single(between["grants"]!.AsArray())!;
            Assert.Equal("active", (string?)activeGrant["status"]);
            Assert.Equal(["name", "email"], activeGrant["scopes"]!.AsArray().Select(s => (string?)s));
            Assert.Equal("approved", (string?)Assert.Single(between["requests"]!.AsArray())!["status"]);

            Assert.Equal("revoked", (string?)Assert.Single(after["grants"]!.AsArray())!["status"]);

            var vendorView = await (await auditor.GetAsync($"/v1/audit/vendors/{vendor.Id}/grants?asOf={Uri.EscapeDataString(betweenAt.ToString("O"))}")).JsonAsync();
            Assert.Equal(grantId.ToString(), (string?)Assert.Single(vendorView["grants"]!.AsArray())!["id"]);
        }
    }

    [Fact]
    public async Task The_history_lists_every_event_with_actor_and_state_and_no_trace_of_profile_values()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync(email: "history.probe@example.org");
        await app.SetProfileAsync(customer, """{ "contact": { "phone": "+4930111222333" }, "identity": { "name": { "given": "Historyprobe" } } }""");
        var grantId = await app.GrantAsync(vendor, customer);
        using var auditor = await app.AuditorAsync();

        var response = await auditor.GetAsync($"/v1/audit/customers/{customer.Id}/history");
        var bytes = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var value in new[] { "history.probe", "4930111222333", "Historyprobe" })
        {
            Assert.DoesNotContain(value, bytes, StringComparison.OrdinalIgnoreCase);
        }

        var history = JsonNode.Parse(bytes)!["items"]!.AsArray();
        Assert.Null(JsonNode.Parse(bytes)!["next"]);
        Assert.Equal(
            ["customer_registered", "profile_attribute_set", "profile_attribute_set", "profile_attribute_set", "access_requested", "access_request_approved", "access_granted"],
            history.Select(e => (string?)e!["type"]));
        var emailSet = history[1]!;
        Assert.Equal(["contact.email"], emailSet["attributes"]!.AsArray().Select(a => (string?)a));
        Assert.Equal($"customer:{customer.Id}", (string?)emailSet["actor"]);
        var approval = history.Single(e => (string?)e!["type"] == "access_request_approved")!;
        Assert.Equal("pending", (string?)approval["before"]!["status"]);
        Assert.Equal("approved", (string?)approval["after"]!["status"]);
        var grant = history.Single(e => (string?)e!["type"] == "access_granted")!;
        Assert.Equal(grantId.ToString(), (string?)grant["streamId"]);
        Assert.Null(grant["before"]);
        Assert.Equal("active", (string?)grant["after"]!["status"]);
        Assert.All(history, e => Assert.Matches("^[0-9a-f]{64}$", (string?)e!["hash"]));
    }

    [Fact]
    public async Task Changing_a_stored_event_in_SQL_makes_verify_report_that_stream_and_version_and_a_checkpoint_taken_before_no_longer_matches()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, "name email");
        using var auditor = await app.AuditorAsync();
        using var admin = await app.OperatorAsync();
        Assert.True((bool)(await (await auditor.GetAsync($"/v1/audit/customers/{customer.Id}/verify")).JsonAsync())["intact"]!);
        var checkpoint = await (await admin.PostAsJsonAsync("/v1/audit/checkpoints", new { })).JsonAsync();
        var verifiedBefore = await (await auditor.GetAsync("/v1/audit/checkpoints/latest/verify")).JsonAsync();
        Assert.True((bool)verifiedBefore["matches"]!);
        Assert.True((bool)verifiedBefore["signatureValid"]!);

        // Someone with database access widens the grant behind the vault's back.
        await ExecuteAsync($$"""
            UPDATE vault.mt_events SET data = jsonb_set(data, '{Scopes}', '["name", "email", "phone"]')
            WHERE stream_id = '{{grantId}}' AND version = 1
            """);

        var report = await (await auditor.GetAsync($"/v1/audit/customers/{customer.Id}/verify")).JsonAsync();
        Assert.False((bool)report["intact"]!);
        Assert.Equal(grantId.ToString(), (string?)report["firstBroken"]!["streamId"]);
        Assert.Equal(1, (int)report["firstBroken"]!["version"]!);

        var verifiedAfter = await (await auditor.GetAsync("/v1/audit/checkpoints/latest/verify")).JsonAsync();
        Assert.Equal((string?)checkpoint["id"], (string?)verifiedAfter["checkpoint"]!["id"]);
        Assert.False((bool)verifiedAfter["matches"]!);
        Assert.True((bool)verifiedAfter["signatureValid"]!);
    }

    [Fact]
    public async Task The_event_feed_pages_by_position_and_speaks_NDJSON()
    {
        var vendor = await app.RegisterVendorAsync();
        await app.GrantAsync(vendor, await app.SignUpAsync());
        using var auditor = await app.AuditorAsync();

        var first = await (await auditor.GetAsync("/v1/audit/events?limit=3")).JsonAsync();
        var items = first["items"]!.AsArray();
        Assert.Equal(3, items.Count);
        var next = (string)first["next"]!;
        var second = await (await auditor.GetAsync(next)).JsonAsync();
        Assert.True((long)second["items"]![0]!["position"]! > (long)items[2]!["position"]!);

        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/audit/events?limit=5") { Headers = { Accept = { new MediaTypeWithQualityHeaderValue("application/x-ndjson") } } };
        var ndjson = await auditor.SendAsync(request);
        Assert.Equal("application/x-ndjson", ndjson.Content.Headers.ContentType?.MediaType);
        var lines = (await ndjson.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        Assert.All(lines, line => Assert.NotNull(JsonNode.Parse(line)!["hash"]));
    }

    [Fact]
    public async Task Customer_vendor_operator_and_scopeless_tokens_get_403_on_every_audit_endpoint()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var customerWithoutScopes = await app.SignUpAsync(scope: "openid");
        using var admin = await app.OperatorAsync();
        var paths = new[]
        {
            $"/v1/audit/customers/{customer.Id}/history", $"/v1/audit/customers/{customer.Id}/grants", $"/v1/audit/vendors/{vendor.Id}/grants",
            "/v1/audit/events", $"/v1/audit/customers/{customer.Id}/events", $"/v1/audit/customers/{customer.Id}/verify",
            "/v1/audit/checkpoints/latest", "/v1/audit/checkpoints/latest/verify",
        };

        foreach (var client in new[] { app.Api(customer), app.Api(vendor), admin, app.Api(customerWithoutScopes) })
        {
            foreach (var path in paths)
            {
                await (await client.GetAsync(path)).AssertProblemAsync(HttpStatusCode.Forbidden);
            }
        }

        using var auditor = await app.AuditorAsync();
        await (await auditor.PostAsJsonAsync("/v1/audit/checkpoints", new { })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await app.CreateApiClient().GetAsync("/v1/audit/events")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await app.CreateApiClient().GetAsync($"/v1/audit/customers/{customer.Id}/events")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_customers_event_feed_holds_her_streams_and_her_vendors_and_nobody_elses_paged_by_position()
    {
        var vendor = await app.RegisterVendorAsync();
        var otherVendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var other = await app.SignUpAsync();
        var grant = await app.GrantAsync(vendor, customer);
        var othersGrant = await app.GrantAsync(otherVendor, other);
        using var auditor = await app.AuditorAsync();

        var events = new List<JsonNode>();
        var pages = 0;
        for (var next = $"/v1/audit/customers/{customer.Id}/events?limit=2"; next is not null; pages++)
        {
            var page = await (await auditor.GetAsync(next)).JsonAsync();
            events.AddRange(page["items"]!.AsArray().Select(e => e!));
            Assert.Equal(events.Count > 0 ? (long)events[^1]["position"]! : 0, (long)page["lastPosition"]!);
            next = (string?)page["next"];
        }

        var streams = events.Select(e => (Guid)e["streamId"]!).ToHashSet();
        Assert.Contains(customer.Id, streams);
        Assert.Contains(grant, streams);
        Assert.Contains(vendor.Id, streams);
        Assert.DoesNotContain(other.Id, streams);
        Assert.DoesNotContain(othersGrant, streams);
        Assert.DoesNotContain(otherVendor.Id, streams);
        Assert.True(pages > 1);
        Assert.Equal(events.Select(e => (long)e["position"]!).Order(), events.Select(e => (long)e["position"]!));
        Assert.All(events, e => Assert.NotNull((string?)e["hash"]));

        await (await auditor.GetAsync($"/v1/audit/customers/{Guid.NewGuid()}/events")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await auditor.GetAsync($"/v1/audit/customers/{customer.Id}/events?limit=0")).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Unknown_customers_and_vendors_are_404_to_auditors()
    {
        using var auditor = await app.AuditorAsync();

        await (await auditor.GetAsync($"/v1/audit/customers/{Guid.NewGuid()}/history")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await auditor.GetAsync($"/v1/audit/vendors/{Guid.NewGuid()}/grants")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    private static async Task<JsonObject> AsOfAsync(HttpClient auditor, Guid customerId, DateTimeOffset at) =>
        await (await auditor.GetAsync($"/v1/audit/customers/{customerId}/grants?asOf={Uri.EscapeDataString(at.ToString("O"))}")).JsonAsync();

    private async Task ExecuteAsync(string sql)
    {
        await using var db = await app.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>Its own database: tampering here must not disturb the other audit tests' checkpoints.</summary>
public sealed class TamperingTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task Rewriting_both_an_event_and_its_recorded_hash_is_still_caught_by_the_checkpoint()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, "name");
        using var admin = await app.OperatorAsync();
        using var auditor = await app.AuditorAsync();
        await admin.PostAsJsonAsync("/v1/audit/checkpoints", new { });

        await ExecuteAsync($$"""
            UPDATE vault.mt_events SET data = jsonb_set(data, '{Purpose}', '"analytics"') WHERE stream_id = '{{grantId}}' AND version = 1;
            UPDATE vault.event_chain c SET hash = vault.event_chain_hash(c.previous_hash, e.stream_id, e.version, e.type, e.timestamp, e.user_name, e.data)
            FROM vault.mt_events e WHERE e.seq_id = c.seq_id AND e.stream_id = '{{grantId}}';
            """);

        Assert.True((bool)(await (await auditor.GetAsync($"/v1/audit/customers/{customer.Id}/verify")).JsonAsync())["intact"]!);
        Assert.False((bool)(await (await auditor.GetAsync("/v1/audit/checkpoints/latest/verify")).JsonAsync())["matches"]!);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var db = await app.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync();
    }
}
