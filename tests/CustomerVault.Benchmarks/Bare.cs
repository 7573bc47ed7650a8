namespace CustomerVault.Benchmarks;

public static class Bare
{
    public static int Run(string urls)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(urls);
        var app = builder.Build();
        app.MapGet("/", () => "ok");
        app.Run();
        return 0;
    }
}
