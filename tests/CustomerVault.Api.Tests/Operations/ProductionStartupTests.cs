using System.Diagnostics;
using System.Security.Cryptography;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Operations;

/// <summary>Outside Development nothing secret is generated: missing keys stop the start-up and say which setting.</summary>
public sealed class ProductionStartupTests : IDisposable
{
    private readonly string _directory = Path.Combine(TestDatabase.RunDirectory, $"production-{Guid.NewGuid():N}");

    [Fact]
    public async Task Without_certificates_the_vault_exits_naming_the_certificate_setting()
    {
        var (exitCode, message) = await StartAsync(new() { ["Vault__Encryption__MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) });

        Assert.Equal(1, exitCode);
        Assert.StartsWith("CustomerVault cannot start:", message);
        Assert.Contains("Vault:Certificates:Signing:Path", message);
    }

    [Fact]
    public async Task Without_a_master_key_the_vault_exits_naming_the_master_key_setting()
    {
        Directory.CreateDirectory(_directory);
        var signing = WriteCertificate("signing.pfx");
        var encryption = WriteCertificate("encryption.pfx");

        var (exitCode, message) = await StartAsync(new()
        {
            ["Vault__Certificates__Signing__Path"] = signing,
            ["Vault__Certificates__Encryption__Path"] = encryption,
        });

        Assert.Equal(1, exitCode);
        Assert.StartsWith("CustomerVault cannot start:", message);
        Assert.Contains("Vault:Encryption:MasterKey", message);
    }

    [Fact]
    public async Task Without_a_document_signing_certificate_the_vault_exits_naming_its_setting()
    {
        Directory.CreateDirectory(_directory);

        var (exitCode, message) = await StartAsync(new()
        {
            ["Vault__Encryption__MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Vault__Certificates__Signing__Path"] = WriteCertificate("signing.pfx"),
            ["Vault__Certificates__Encryption__Path"] = WriteCertificate("encryption.pfx"),
        });

        Assert.Equal(1, exitCode);
        Assert.StartsWith("CustomerVault cannot start:", message);
        Assert.Contains("Vault:Certificates:Documents:Path", message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("http://vault.example/")]
    [InlineData("vault.example")]
    public async Task Without_an_https_issuer_the_vault_exits_naming_the_issuer_setting(string? issuer)
    {
        Directory.CreateDirectory(_directory);
        var environment = new Dictionary<string, string>
        {
            ["Vault__Encryption__MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Vault__Certificates__Signing__Path"] = WriteCertificate("signing.pfx"),
            ["Vault__Certificates__Documents__Path"] = WriteCertificate("documents.pfx"),
            ["Vault__Certificates__Encryption__Path"] = WriteCertificate("encryption.pfx"),
        };
        if (issuer is not null)
        {
            environment["Vault__Tokens__Issuer"] = issuer;
        }

        var (exitCode, message) = await StartAsync(environment);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("CustomerVault cannot start:", message);
        Assert.Contains("Vault:Tokens:Issuer", message);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private string WriteCertificate(string name) => TestCertificates.Write(_directory, Path.GetFileNameWithoutExtension(name)).Pfx;

    private async Task<(int ExitCode, string Message)> StartAsync(Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["ConnectionStrings__Vault"] = "Host=127.0.0.1;Port=1;Database=none",
                ["Vault__DataDirectory"] = _directory,
            },
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stderr).Trim());
    }
}
