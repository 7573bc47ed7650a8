using System.Net;
using System.Text.Json;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Telemetry;

public sealed class JsonConsoleLogTests
{
    [Fact]
    public async Task With_JSON_console_logs_every_line_is_one_JSON_object_and_a_request_s_lines_carry_its_trace_id()
    {
        // JSON is the default outside Development; this vault runs in Development (its demo keys) and asks for it. It uses
        // the run's database server rather than starting one of its own: the logs are the subject, not the database.
        var database = await TestDatabase.CreateDatabaseAsync($"t_jsonlogs_{Guid.NewGuid():N}");
        await using var vault = await VaultProcess.StartAsync(Path.Combine(TestDatabase.RunDirectory, $"home-{Guid.NewGuid():N}"), new Dictionary<string, string>
        {
            ["ConnectionStrings__Vault"] = database,
            ["Vault__Telemetry__ConsoleLogFormat"] = "json",
            ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        });
        using var client = new HttpClient { BaseAddress = vault.Url };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live") { Headers = { { "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" } } };

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);

        JsonElement[] lines = [];
        await Eventually.HoldsAsync(() =>
        {
            lines = vault.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
            return lines.Any(IsThisRequest);
        }, () => $"The request was not logged: {vault.Output}");
        var requestLine = lines.First(IsThisRequest);
        Assert.Contains(requestLine.GetProperty("Scopes").EnumerateArray(),
            scope => scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty("TraceId", out var traceId) && traceId.GetString() == "4bf92f3577b34da6a3ce929d0e0e4736");
        Assert.All(lines, l => Assert.True(l.TryGetProperty("Timestamp", out _) && l.TryGetProperty("LogLevel", out _)));
    }

    private static bool IsThisRequest(JsonElement line) =>
        line.GetProperty("Category").GetString() == "Microsoft.AspNetCore.Hosting.Diagnostics"
        && line.GetProperty("Scopes").EnumerateArray().Any(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("RequestPath", out var path) && path.GetString() == "/health/live");
}
