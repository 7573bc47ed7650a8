using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using Microsoft.IdentityModel.Tokens;

namespace CustomerVault.Api.Tests.Audit;

public sealed class ReceiptTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task A_receipt_verifies_against_the_published_JWKS_and_fails_after_one_byte_changes()
    {
        var vendor = await app.RegisterVendorAsync("Receipt Ltd");
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, "name email", "email");
        using var customerApi = app.Api(customer);

        var receipt = await (await customerApi.GetAsync($"/v1/me/grants/{grantId}/receipt")).JsonAsync();
        var jws = (string)receipt["jws"]!;

        var keys = await app.PublishedKeysAsync();
        var valid = await ValidateAsync(jws, keys);
        Assert.True(valid.IsValid, valid.Exception?.Message);
        Assert.Equal((await app.ConnectAsync(vendor, customer)).ToString(), valid.Claims["piiPrincipalId"]);
        Assert.Equal("granted", valid.Claims["event"]);

        var tampered = jws[..^10] + (jws[^10] == 'A' ? 'B' : 'A') + jws[^9..];
        Assert.False((await ValidateAsync(tampered, keys)).IsValid);
        var payload = jws.Split('.');
        var changedPayload = payload[0] + "." + payload[1][..5] + (payload[1][5] == 'x' ? 'y' : 'x') + payload[1][6..] + "." + payload[2];
        Assert.False((await ValidateAsync(changedPayload, keys)).IsValid);
    }

    [Fact]
    public async Task Approval_narrowing_and_revocation_each_produce_a_receipt_that_says_what_was_agreed()
    {
        var vendor = await app.RegisterVendorAsync("Receipt Two Ltd");
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, "name email phone");
        using var customerApi = app.Api(customer);
        await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/narrow", new { removeScopes = new[] { "phone" } });
        await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { reason = "Done" });

        var receipts = (await customerApi.GetFromJsonAsync<JsonObject>($"/v1/me/grants/{grantId}/receipts"))!["items"]!.AsArray();

        // One paging shape for every list: items, and next until the last page.
        var first = (await customerApi.GetFromJsonAsync<JsonObject>($"/v1/me/grants/{grantId}/receipts?limit=2"))!;
        Assert.Equal(["granted", "narrowed"], first["items"]!.AsArray().Select(r => (string?)r!["event"]));
        var second = (await customerApi.GetFromJsonAsync<JsonObject>((string)first["next"]!))!;
        Assert.Equal(["revoked"], second["items"]!.AsArray().Select(r => (string?)r!["event"]));
        Assert.Null(second["next"]);

        Assert.Equal(["granted", "narrowed", "revoked"], receipts!.Select(r => (string?)r!["event"]));
        var granted = receipts![0]!["receipt"]!;
        Assert.Equal("Receipt Two Ltd", (string?)granted["piiControllers"]![0]!["piiController"]);
        Assert.Equal("privacy@vendor.example", (string?)granted["piiControllers"]![0]!["contact"]);
        Assert.Equal(["name", "email", "phone"], granted["services"]![0]!["purposes"]![0]!["piiCategory"]!.AsArray().Select(s => (string?)s));
        Assert.Equal("marketing", (string?)granted["services"]![0]!["purposes"]![0]!["purposeCategory"]![0]);
        Assert.Equal("Our monthly newsletter about telescopes.", (string?)granted["requestText"]);
        Assert.Equal(["name", "email"], receipts[1]!["receipt"]!["scopes"]!.AsArray().Select(s => (string?)s));
        Assert.Equal("revoked", (string?)receipts[2]!["receipt"]!["status"]);

        // The vendor gets the same receipts; the same event always gives the same receipt.
        using var vendorApi = app.Api(vendor);
        var vendorReceipt = await (await vendorApi.GetAsync($"/v1/grants/{grantId}/receipt")).JsonAsync();
        Assert.Equal((string?)receipts[2]!["receiptId"], (string?)vendorReceipt["receiptId"]);
        Assert.Equal((string?)receipts[2]!["jws"], (string?)vendorReceipt["jws"]);
    }

    [Fact]
    public async Task Another_customers_or_vendors_grant_has_no_receipt_for_them()
    {
        var vendor = await app.RegisterVendorAsync();
        var other = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var stranger = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);

        await (await app.Api(stranger).GetAsync($"/v1/me/grants/{grantId}/receipt")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await app.Api(other).GetAsync($"/v1/grants/{grantId}/receipt")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    private static Task<TokenValidationResult> ValidateAsync(string jws, IList<SecurityKey> keys) => Jws.ValidateAsync(jws, keys, "consent-receipt+jwt");
}
