namespace CustomerVault.MyData;

public static class MyDataSetup
{
    /// <summary>The customer's rights over the vault itself: export, erasure, and the memory of who erased her account.</summary>
    public static IHostApplicationBuilder AddVaultMyData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ErasedCustomers>();
        builder.Services.AddScoped<CustomerExport>();
        builder.Services.AddScoped<CustomerErasure>();
        return builder;
    }
}
