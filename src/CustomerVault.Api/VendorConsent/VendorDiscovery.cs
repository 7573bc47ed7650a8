using System.Text.Json;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace CustomerVault.VendorConsent;

/// <summary>
/// What discovery says of vendor flows: every subject a vendor sees is pairwise (a vendor never learns the vault id,
/// only an id of its own for her), and the one type of authorization details the vault knows. Pushed authorization
/// requests are required of vendors' clients, not of every client, so discovery says false and each vendor's client
/// registration requires them.
/// </summary>
public sealed class VendorDiscovery : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public const string Pairwise = "pairwise";

    // After the built-in handlers, which add "public" late.
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
        .UseSingletonHandler<VendorDiscovery>()
        .SetOrder(OpenIddictServerHandlers.Discovery.AttachAdditionalMetadata.Descriptor.Order + 1_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        context.SubjectTypes.Clear();
        context.SubjectTypes.Add(Pairwise);
        context.Metadata["authorization_details_types_supported"] = JsonSerializer.SerializeToElement(new[] { AuthorizationDetails.Type });
        return ValueTask.CompletedTask;
    }
}
