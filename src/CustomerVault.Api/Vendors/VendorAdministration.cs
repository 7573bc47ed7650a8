using CustomerVault.Infrastructure;
using CustomerVault.Identity;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Webhooks;
using Marten;
using Npgsql;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Vendors;

/// <param name="WebhookHealth">How deliveries to the vendor's webhook fare: an endpoint failing for days shows here.</param>
public sealed record VendorView(
    Guid Id, string ClientId, string DisplayName, string? Website, string ContactEmail, IReadOnlyList<string> Scopes, string? WebhookUrl,
    string Status, DateTimeOffset RegisteredAt, DateTimeOffset? SuspendedAt, string? SuspensionReason, DateTimeOffset? SecretRotatedAt,
    WebhookHealth? WebhookHealth = null)
{
    public static VendorView Of(Vendor v, WebhookHealth? health = null) => new(v.Id, v.ClientId, v.DisplayName, v.Website, v.ContactEmail, v.Scopes, v.WebhookUrl,
        VendorDecider.Name(v.Status), v.RegisteredAt, v.SuspendedAt, v.SuspensionReason, v.SecretRotatedAt, health);
}

/// <param name="ClientSecret">Shown this once: the vault keeps only a hash of it.</param>
/// <param name="WebhookSecret">Shown this once: the vendor verifies the vault's notifications with it (it can rotate it).</param>
public sealed record VendorCredentials(VendorView Vendor, string ClientId, string ClientSecret, string? WebhookSecret);

public sealed record SuspendVendorRequest(string? Reason);

/// <summary>Operators register vendors, rotate their secrets, suspend and reactivate them.</summary>
public static class VendorAdministration
{
    public static RouteGroupBuilder MapVendorAdministration(this RouteGroupBuilder vendors)
    {
        vendors.MapPost("/", Register).WithName("RegisterVendor")
            .WithSummary("Register a vendor and create its OAuth client (client credentials)")
            .WithDescription("The response carries the client secret once; the vault stores only its hash.")
            .ProducesValidationProblem();
        vendors.MapGet("/", List).WithName("ListVendors").WithSummary("List the registered vendors");
        vendors.MapGet("/{vendorId:guid}", Get).WithName("GetVendor").WithSummary("Read a vendor's registration").ProducesProblem(StatusCodes.Status404NotFound);
        vendors.MapPost("/{vendorId:guid}/secret", RotateSecret).WithName("RotateVendorSecret")
            .WithSummary("Replace the vendor's client secret; the old one stops working at once").ProducesProblem(StatusCodes.Status404NotFound);
        vendors.MapPost("/{vendorId:guid}/suspend", Suspend).WithName("SuspendVendor")
            .WithSummary("Suspend a vendor: its token requests, access requests and reads are refused at once")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        vendors.MapPost("/{vendorId:guid}/reactivate", Reactivate).WithName("ReactivateVendor")
            .WithSummary("Reactivate a suspended vendor").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return vendors;
    }

    private static async Task<Created<VendorCredentials>> Register(RegisterVendor command, VendorRegistry registry, CancellationToken cancellationToken)
    {
        var (vendor, secret, webhookSecret) = await registry.RegisterAsync(command, cancellationToken);
        return TypedResults.Created($"/v1/vendors/{vendor.Id}", new VendorCredentials(VendorView.Of(vendor), vendor.ClientId, secret, webhookSecret));
    }

    private static async Task<Ok<IReadOnlyList<VendorView>>> List(IQuerySession session, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var vendors = await session.Query<Vendor>().OrderBy(v => v.DisplayName).ToListAsync(cancellationToken);
        var health = await WebhookEndpoints.HealthAsync(dataSource, vendors.Select(v => v.Id).ToArray(), cancellationToken);
        return TypedResults.Ok<IReadOnlyList<VendorView>>(vendors.Select(v => VendorView.Of(v, health[v.Id])).ToList());
    }

    private static async Task<Results<Ok<VendorView>, ProblemHttpResult>> Get(
        Guid vendorId, IQuerySession session, NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        await session.LoadAsync<Vendor>(vendorId, cancellationToken) is { } vendor
            ? TypedResults.Ok(VendorView.Of(vendor, (await WebhookEndpoints.HealthAsync(dataSource, [vendorId], cancellationToken))[vendorId]))
            : NotFound();

    private static async Task<Results<Ok<VendorCredentials>, ProblemHttpResult>> RotateSecret(Guid vendorId, VendorRegistry registry, CancellationToken cancellationToken) =>
        await registry.RotateSecretAsync(vendorId, cancellationToken) is var (vendor, secret)
            ? TypedResults.Ok(new VendorCredentials(VendorView.Of(vendor), vendor.ClientId, secret, null))
            : NotFound();

    private static Task<Results<Ok<VendorView>, ProblemHttpResult>> Suspend(
        Guid vendorId, SuspendVendorRequest? body, IDocumentSession session, TimeProvider clock, CancellationToken cancellationToken) =>
        Decide(vendorId, session, vendor => VendorDecider.Decide(new SuspendVendor(body?.Reason?.Trim(), clock.Now()), vendor), cancellationToken);

    private static Task<Results<Ok<VendorView>, ProblemHttpResult>> Reactivate(
        Guid vendorId, IDocumentSession session, TimeProvider clock, CancellationToken cancellationToken) =>
        Decide(vendorId, session, vendor => VendorDecider.Decide(new ReactivateVendor(clock.Now()), vendor), cancellationToken);

    private static async Task<Results<Ok<VendorView>, ProblemHttpResult>> Decide(
        Guid vendorId, IDocumentSession session, Func<Vendor, object> decide, CancellationToken cancellationToken)
    {
        var stream = await session.Events.FetchForWriting<Vendor>(vendorId, cancellationToken);
        if (stream.Aggregate is null)
        {
            return NotFound();
        }

        stream.AppendOne(decide(stream.Aggregate));
        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(VendorView.Of((await session.LoadAsync<Vendor>(vendorId, cancellationToken))!));
    }

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such vendor.");
}
