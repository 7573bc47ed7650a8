using CustomerVault.Identity;
using CustomerVault.Profiles;

namespace CustomerVault;

/// <summary>The map of the REST API: every endpoint, grouped by who calls it.</summary>
public static class VaultApi
{
    public static WebApplication MapVaultApi(this WebApplication app)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapGetCatalog().WithTags("Catalog");

        var me = v1.MapGroup("/me").WithTags("Your profile");
        me.MapGetProfile();
        me.MapPatchProfile();

        app.MapAuthorizationEndpoints();
        return app;
    }
}
