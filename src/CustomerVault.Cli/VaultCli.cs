using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CustomerVault.Audit;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace CustomerVault.Cli;

/// <summary>
/// customervault: the auditors' and operators' tool (audit, and keys in <see cref="KeyCommands"/>). Works against
/// ConnectionStrings__Vault (or --connection), or the local vault's embedded database.
/// </summary>
public static class VaultCli
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, Func<string, string?> environment, CancellationToken cancellationToken = default)
    {
        var connection = new Option<string?>("--connection") { Description = "An Npgsql connection string to the vault's database (default: ConnectionStrings__Vault, then the local embedded vault)." };
        var dataDirectory = new Option<string?>("--data-directory") { Description = "The local vault's data folder, for its embedded database (default: as the vault's)." };
        var customer = new Option<Guid>("--customer") { Description = "The customer's vault id.", Required = true };
        var format = new Option<string>("--format") { Description = "ndjson or csv.", DefaultValueFactory = _ => "ndjson" };
        format.AcceptOnlyFromAmong("ndjson", "csv");
        var output = new Option<FileInfo?>("--output") { Description = "Write to this file instead of the console." };
        var at = new Option<DateTimeOffset>("--at") { Description = "The instant, RFC 3339 (e.g. 2026-11-22T10:00:00Z).", Required = true };

        var replay = new Command("replay", "Rebuild every projection from the events, and report counts and time. Safe while the vault runs.") { connection, dataDirectory };
        var verify = new Command("verify", "Recompute every hash chain, and check the latest checkpoint against it.") { connection, dataDirectory };
        var export = new Command("export", "Export a customer's consent history (no profile values).") { customer, format, output, connection, dataDirectory };
        var asOf = new Command("as-of", "A customer's requests and grants as they stood at an instant, rebuilt from the events.") { customer, at, connection, dataDirectory };
        var audit = new Command("audit", "Replay, verify and export the consent history.") { replay, verify, export, asOf };
        var exitCode = ExitCodes.Ok;
        var keys = KeyCommands.Create(connection, dataDirectory, console, environment, code => exitCode = code);
        var root = new RootCommand("CustomerVault: the auditors' and operators' tool.") { audit, keys };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                console.MarkupLineInterpolated($"[red]{error.Message}[/]");
            }

            console.WriteLine("Run 'customervault --help' for the commands and their options.");
            return ExitCodes.Usage;
        }

        replay.SetAction((result, ct) => Guarded(console, async () =>
        {
            await using var vault = await VaultConnection.OpenAsync(result.GetValue(connection), result.GetValue(dataDirectory), environment, ct);
            RebuildResult rebuilt = null!;
            await console.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask("Replaying events");
                rebuilt = await ProjectionRebuild.RunAsync(vault, (done, total) => { task.MaxValue = Math.Max(total, 1); task.Value = done; }, ct);
                task.Value = task.MaxValue;
            });
            var table = new Table().AddColumn("projection").AddColumn(new TableColumn("documents").RightAligned());
            table.AddRow("profiles", rebuilt.Profiles.ToString(CultureInfo.InvariantCulture));
            table.AddRow("vendors", rebuilt.Vendors.ToString(CultureInfo.InvariantCulture));
            table.AddRow("access requests", rebuilt.Requests.ToString(CultureInfo.InvariantCulture));
            table.AddRow("grants", rebuilt.Grants.ToString(CultureInfo.InvariantCulture));
            console.Write(table);
            console.WriteLine(FormattableString.Invariant(
                $"Replayed {rebuilt.Events} events of {rebuilt.Streams} streams in {rebuilt.Elapsed.TotalSeconds:F2} s ({rebuilt.EventsPerSecond:F0} events/s)."));
            return ExitCodes.Ok;
        }, code => exitCode = code));

        verify.SetAction((result, ct) => Guarded(console, async () =>
        {
            await using var vault = await VaultConnection.OpenAsync(result.GetValue(connection), result.GetValue(dataDirectory), environment, ct);
            ChainReport report = null!;
            await using (var db = await vault.DataSource.OpenConnectionAsync(ct))
            {
                await console.Progress().StartAsync(async progress =>
                {
                    var task = progress.AddTask("Verifying hash chains");
                    task.IsIndeterminate = true;
                    report = await ChainVerifier.VerifyAsync(db, null, null, ct, done => task.Description = $"Verifying hash chains ({done} events)");
                    task.StopTask();
                });
            }

            console.WriteLine(report.Intact
                ? $"Chains intact: {report.Events} events in {report.Streams} streams."
                : $"Chain broken: stream {report.FirstBroken!.StreamId}, version {report.FirstBroken.Version} (sequence {report.FirstBroken.Sequence}): {report.FirstBroken.Problem}.");

            var checkpoints = new Checkpoints(vault.DataSource, Signer(environment, result.GetValue(dataDirectory)), TimeProvider.System);
            var latest = await checkpoints.LatestAsync(ct);
            if (latest is null)
            {
                console.WriteLine("No checkpoint has been made yet.");
                return report.Intact ? ExitCodes.Ok : ExitCodes.VerificationFailed;
            }

            var check = await checkpoints.CheckAsync(latest, ct);
            console.WriteLine(check.Matches
                ? $"Checkpoint {latest.Id} ({latest.CreatedAt:O}, sequence {latest.Sequence}) matches: nothing up to it changed."
                : $"Checkpoint {latest.Id} ({latest.CreatedAt:O}, sequence {latest.Sequence}) does NOT match: events up to it changed (root {check.RecomputedRoot}, signed {latest.Root}).");
            console.WriteLine(check.SignatureValid ? "Checkpoint signature valid." : "Checkpoint signature not verified: this machine lacks the vault's document certificates, or none matches.");
            return report.Intact && check.Matches ? ExitCodes.Ok : ExitCodes.VerificationFailed;
        }, code => exitCode = code));

        export.SetAction((result, ct) => Guarded(console, async () =>
        {
            await using var vault = await VaultConnection.OpenAsync(result.GetValue(connection), result.GetValue(dataDirectory), environment, ct);
            var streams = await CustomerStreamsAsync(vault, result.GetValue(customer), ct);
            await using var db = await vault.DataSource.OpenConnectionAsync(ct);
            var history = await ConsentHistory.HistoryAsync(new StoredEvents(vault.Store), db, streams, ct);
            var text = result.GetValue(format) == "csv" ? Csv(history) : string.Concat(history.Select(h => JsonSerializer.Serialize(h, JsonSerializerOptions.Web) + "\n"));
            if (result.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, text, ct);
                console.WriteLine($"Wrote {history.Count} events to {file.FullName}.");
            }
            else
            {
                console.Profile.Out.Writer.Write(text);
            }

            return ExitCodes.Ok;
        }, code => exitCode = code));

        asOf.SetAction((result, ct) => Guarded(console, async () =>
        {
            await using var vault = await VaultConnection.OpenAsync(result.GetValue(connection), result.GetValue(dataDirectory), environment, ct);
            var streams = await CustomerStreamsAsync(vault, result.GetValue(customer), ct);
            await using var db = await vault.DataSource.OpenConnectionAsync(ct);
            var view = await ConsentHistory.AsOfAsync(new StoredEvents(vault.Store), db, streams, VaultTime.Truncate(result.GetValue(at)), ct);
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(view, Json));
            return ExitCodes.Ok;
        }, code => exitCode = code));

        var invoked = await parsed.InvokeAsync(new InvocationConfiguration { Output = console.Profile.Out.Writer, Error = console.Profile.Out.Writer }, cancellationToken);
        return invoked != 0 && exitCode == ExitCodes.Ok ? invoked : exitCode;
    }

    /// <summary>The streams of a customer's consent history; exit code 4 when the vault has no such customer.</summary>
    private static async Task<Guid[]> CustomerStreamsAsync(VaultConnection vault, Guid customerId, CancellationToken cancellationToken)
    {
        await using var session = vault.Store.QuerySession();
        return await ConsentHistory.CustomerStreamsAsync(session, customerId, cancellationToken)
               ?? throw new CliException(ExitCodes.NotFound, $"No customer {customerId} in this vault.");
    }

    internal static async Task Guarded(IAnsiConsole console, Func<Task<int>> run, Action<int> exit)
    {
        try
        {
            exit(await run());
        }
        catch (CliException e)
        {
            console.MarkupLineInterpolated($"[red]{e.Message}[/]");
            exit(e.ExitCode);
        }
    }

    // Checkpoints are checked with the vault's document keys (public halves suffice) when this machine has them: as the
    // vault is configured (Vault__Certificates__Documents__Path and __Published__N__Path), or a Development data folder's.
    private static VaultSigner? Signer(Func<string, string?> environment, string? dataDirectory)
    {
        const string documents = "Vault:Certificates:" + VaultCertificates.DocumentsPurpose;
        var settings = new Dictionary<string, string?> { [VaultPaths.DataDirectoryKey] = dataDirectory ?? environment("Vault__DataDirectory") };
        string? Read(string key) => settings[key] = environment(key.Replace(":", "__", StringComparison.Ordinal));
        Read($"{documents}:Path");
        Read($"{documents}:Password");
        for (var n = 0; Read($"{documents}:Published:{n}:Path") is not null; n++)
        {
            Read($"{documents}:Published:{n}:Password");
        }

        var keys = VaultCertificates.DocumentVerificationKeys(new ConfigurationBuilder().AddInMemoryCollection(settings.Where(s => s.Value is not null)).Build());
        return keys.Count > 0 ? new VaultSigner(null, keys, null) : null;
    }

    private static string Csv(IReadOnlyList<HistoryEntry> history)
    {
        var csv = new StringBuilder("sequence,at,stream,stream_id,version,type,actor,correlation_id,attributes,status_before,status_after,scopes_after,hash\n");
        foreach (var h in history)
        {
            csv.AppendJoin(',',
                h.Sequence.ToString(CultureInfo.InvariantCulture), h.At.ToString("O", CultureInfo.InvariantCulture), h.Stream, h.StreamId, h.Version.ToString(CultureInfo.InvariantCulture),
                h.Type, Field(h.Actor), Field(h.CorrelationId), Field(h.Attributes is null ? null : string.Join(' ', h.Attributes)),
                Field(h.Before?.Status), Field(h.After?.Status), Field(h.After is null ? null : string.Join(' ', h.After.Scopes)), Field(h.Hash));
            csv.Append('\n');
        }

        return csv.ToString();

        static string Field(string? value) =>
            value is null ? "" : value.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
