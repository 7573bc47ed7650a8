using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CustomerVault.Audit;
using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using Spectre.Console;

namespace CustomerVault.Cli;

/// <summary>
/// customervault: the auditors' and operators' tool (audit here, keys in <see cref="KeyCommands"/>). Audit works over the
/// vault's API (a URL and an auditor's credentials) or on its database (a connection string, ConnectionStrings__Vault, or
/// the local vault's embedded database); keys only on the database, where the vault's secrets are.
/// </summary>
public static class VaultCli
{
    public const string UrlVariable = "CUSTOMERVAULT_URL";
    public const string TokenVariable = "CUSTOMERVAULT_TOKEN";
    public const string ClientIdVariable = "CUSTOMERVAULT_CLIENT_ID";
    public const string ClientSecretVariable = "CUSTOMERVAULT_CLIENT_SECRET";
    private const string UsageHint = "Run 'customervault --help' for the commands and their options.";

    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where failures and progress go.</param>
    public static async Task<int> RunAsync(
        string[] args, IAnsiConsole stdout, IAnsiConsole stderr, Func<string, string?> environment, CancellationToken cancellationToken = default)
    {
        var outputFormat = new Option<string>("--output", "-o")
        {
            Description = "text (for people) or json (one document on stdout, for programs).", DefaultValueFactory = _ => "text", Recursive = true,
        };
        outputFormat.AcceptOnlyFromAmong("text", "json");
        var vault = new Option<string?>("--vault")
        {
            Description = $"The vault's URL, to work over its API as an auditor (default: {UrlVariable}).", Recursive = true,
        };
        var clientId = new Option<string?>("--client-id") { Description = $"Over the API: the client to get a token for (default: {ClientIdVariable}).", Recursive = true };
        var clientSecret = new Option<string?>("--client-secret")
        {
            Description = $"Over the API: its secret (default: {ClientSecretVariable}; prefer the variable, a command line is visible to others).", Recursive = true,
        };
        var token = new Option<string?>("--token") { Description = $"Over the API: an access token to use as it is (default: {TokenVariable}).", Recursive = true };
        var connection = new Option<string?>("--connection")
        {
            Description = "An Npgsql connection string to the vault's database (default: ConnectionStrings__Vault, then the local embedded vault).", Recursive = true,
        };
        var dataDirectory = new Option<string?>("--data-directory")
        {
            Description = "The local vault's data folder, for its embedded database (default: as the vault's).", Recursive = true,
        };
        var customer = new Option<Guid>("--customer") { Description = "The customer's vault id.", Required = true };
        var verifyCustomer = new Option<Guid?>("--customer") { Description = "Only this customer's record (her streams and her vendors'); the checkpoint's signature is still checked." };
        var format = new Option<string?>("--format") { Description = "ndjson (the default) or csv: the file's format, or stdout's with text output." };
        format.AcceptOnlyFromAmong("ndjson", "csv");
        var file = new Option<FileInfo?>("--file") { Description = "Write the export to this file instead of stdout." };
        var at = new Option<DateTimeOffset>("--at") { Description = "The instant, RFC 3339 (e.g. 2026-11-22T10:00:00Z).", Required = true };

        var replay = new Command("replay", "Rebuild every projection from the events, and report counts and time. Safe while the vault runs. "
                                           + "Over the API: fold every stream in memory and write nothing.");
        var verify = new Command("verify", "Recompute every hash chain, and check the latest checkpoint's root and signature against it.") { verifyCustomer };
        var export = new Command("export", "Export a customer's consent history (no profile values).") { customer, format, file };
        var asOf = new Command("as-of", "A customer's requests and grants as they stood at an instant, rebuilt from the events.") { customer, at };
        var checkpoint = new Command("checkpoint", "Have the vault make a signed checkpoint now (over the API, an operator's credentials); keep its JWS outside the vault.");
        var audit = new Command("audit", "Replay, verify and export the consent history.")
        {
            replay, verify, export, asOf, checkpoint, vault, clientId, clientSecret, token, connection, dataDirectory,
        };
        CliOutput output = null!;
        var exitCode = ExitCodes.Ok;
        var keys = KeyCommands.Create(connection, dataDirectory, () => output, environment, code => exitCode = code);
        var root = new RootCommand("CustomerVault: the auditors' and operators' tool.") { audit, keys, outputFormat };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                stderr.MarkupLineInterpolated($"[red]{error.Message}[/]");
            }

            stderr.WriteLine(UsageHint);
            return ExitCodes.Usage;
        }

        output = new CliOutput(stdout, stderr, parsed.GetValue(outputFormat) == "json");

        Task<IAuditSource> OpenAsync(ParseResult result, CancellationToken ct) => OpenSourceAsync(
            result.GetValue(vault), new ApiCredentials(result.GetValue(token), result.GetValue(clientId), result.GetValue(clientSecret)),
            result.GetValue(connection), result.GetValue(dataDirectory), environment, ct);

        replay.SetAction((result, ct) => Guarded(output, async () =>
        {
            await using var source = await OpenAsync(result, ct);
            var replayed = await output.ProgressAsync("Replaying events", progress => source.ReplayAsync(progress, ct));
            if (output.Json)
            {
                output.Document(replayed);
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumn("projection").AddColumn(new TableColumn("documents").RightAligned());
            table.AddRow("profiles", Number(replayed.Documents.Profiles));
            table.AddRow("vendors", Number(replayed.Documents.Vendors));
            table.AddRow("access requests", Number(replayed.Documents.AccessRequests));
            table.AddRow("grants", Number(replayed.Documents.Grants));
            output.Write(table);
            output.Line(FormattableString.Invariant(
                $"Replayed {replayed.Events} events of {replayed.Streams} streams in {replayed.Seconds:F2} s ({replayed.EventsPerSecond:F0} events/s)."));
            if (!replayed.Written)
            {
                output.Line("Over the API nothing is written: every stream was folded from the feed in memory.");
            }

            return ExitCodes.Ok;
        }, code => exitCode = code));

        verify.SetAction((result, ct) => Guarded(output, async () =>
        {
            await using var source = await OpenAsync(result, ct);
            var verified = await output.ProgressAsync("Verifying hash chains",
                progress => AuditVerification.RunAsync(source, result.GetValue(verifyCustomer), progress, ct));
            if (output.Json)
            {
                output.Document(verified);
            }
            else
            {
                VerifyText(output, verified);
            }

            return verified.Verified ? ExitCodes.Ok : ExitCodes.VerificationFailed;
        }, code => exitCode = code));

        export.SetAction((result, ct) => Guarded(output, async () =>
        {
            var target = result.GetValue(file);
            var chosen = result.GetValue(format);
            if (output.Json && target is null && chosen is not null)
            {
                throw new CliException(ExitCodes.Usage, "--format is the format of --file (or of text output); --output json prints one JSON document.");
            }

            await using var source = await OpenAsync(result, ct);
            var id = result.GetValue(customer);
            var history = ConsentHistory.History(source.Events.Replay, await source.CustomerEventsAsync(id, ct));
            if (target is null && output.Json)
            {
                output.Document(new ExportDocument(source.Name, id, history));
                return ExitCodes.Ok;
            }

            var text = chosen == "csv" ? Csv(history) : string.Concat(history.Select(h => JsonSerializer.Serialize(h, JsonSerializerOptions.Web) + "\n"));
            if (target is null)
            {
                output.Raw(text);
                return ExitCodes.Ok;
            }

            await File.WriteAllTextAsync(target.FullName, text, ct);
            if (output.Json)
            {
                output.Document(new ExportFileDocument(source.Name, id, target.FullName, chosen ?? "ndjson", history.Count));
            }
            else
            {
                output.Line($"Wrote {history.Count} events to {target.FullName}.");
            }

            return ExitCodes.Ok;
        }, code => exitCode = code));

        asOf.SetAction((result, ct) => Guarded(output, async () =>
        {
            await using var source = await OpenAsync(result, ct);
            var instant = VaultTime.Truncate(result.GetValue(at));
            // The store does not hold the vault's settings: deletion confirmations are judged by the default period.
            var view = ConsentHistory.AsOf(source.Events.Replay, await source.CustomerEventsAsync(result.GetValue(customer), ct), instant,
                ConsentOptions.DefaultDeletionConfirmationPeriod);
            if (output.Json)
            {
                output.Document(view);
            }
            else
            {
                AsOfText(output, view);
            }

            return ExitCodes.Ok;
        }, code => exitCode = code));

        checkpoint.SetAction((result, ct) => Guarded(output, async () =>
        {
            await using var source = await OpenAsync(result, ct);
            var made = await source.MakeCheckpointAsync(ct);
            if (output.Json)
            {
                output.Document(made);
                return ExitCodes.Ok;
            }

            output.Line($"Checkpoint {made.Id} made at {made.CreatedAt:O}: {Extent(made.Sequence, made.Position)}, {made.Streams} streams, root {made.Root}.");
            output.Line("Its signed form (keep it outside the vault):");
            output.Line(made.Jws);
            return ExitCodes.Ok;
        }, code => exitCode = code));

        var invoked = await parsed.InvokeAsync(new InvocationConfiguration { Output = stdout.Profile.Out.Writer, Error = stderr.Profile.Out.Writer }, cancellationToken);
        return invoked != 0 && exitCode == ExitCodes.Ok ? invoked : exitCode;
    }

    /// <summary>
    /// The API when a URL is given (--vault, else CUSTOMERVAULT_URL unless --connection is), otherwise the database
    /// (--connection, ConnectionStrings__Vault, or the local vault's embedded one).
    /// </summary>
    private static async Task<IAuditSource> OpenSourceAsync(
        string? vault, ApiCredentials given, string? connection, string? dataDirectory, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        if (vault is not null && (connection is not null || dataDirectory is not null))
        {
            throw new CliException(ExitCodes.Usage, "Give --vault (the API) or --connection/--data-directory (the database), not both.");
        }

        vault ??= connection is null && dataDirectory is null ? environment(UrlVariable) : null;
        if (string.IsNullOrWhiteSpace(vault))
        {
            if (given.Token is not null || given.ClientId is not null || given.ClientSecret is not null)
            {
                throw new CliException(ExitCodes.Usage, $"--token, --client-id and --client-secret are for the API: add --vault (or set {UrlVariable}).");
            }

            return new DatabaseAuditSource(await VaultConnection.OpenAsync(connection, dataDirectory, environment, cancellationToken), environment, dataDirectory);
        }

        var credentials = new ApiCredentials(given.Token ?? environment(TokenVariable), given.ClientId ?? environment(ClientIdVariable),
            given.ClientSecret ?? environment(ClientSecretVariable));
        if (credentials.Token is null && (credentials.ClientId is null || credentials.ClientSecret is null))
        {
            throw new CliException(ExitCodes.Usage, $"Over the API the CLI needs an access token (--token or {TokenVariable}) or client credentials "
                                                    + $"(--client-id and --client-secret, or {ClientIdVariable} and {ClientSecretVariable}).");
        }

        return await ApiAuditSource.ConnectAsync(VaultUrl(vault), credentials, cancellationToken);
    }

    /// <summary>An absolute http(s) URL, ending in / so that paths resolve under it; plain http only on this machine, secrets travel with it.</summary>
    private static Uri VaultUrl(string value)
    {
        if (!Uri.TryCreate(value.EndsWith('/') ? value : value + "/", UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            throw new CliException(ExitCodes.Usage, $"--vault must be the vault's https URL, e.g. https://vault.example.com (was '{value}').");
        }

        if (url.Scheme == "http" && !url.IsLoopback && !(IPAddress.TryParse(url.DnsSafeHost, out var address) && IPAddress.IsLoopback(address)))
        {
            throw new CliException(ExitCodes.Usage, $"--vault {value}: plain http is only for a vault on this machine; credentials and tokens need https.");
        }

        return url;
    }

    private static void VerifyText(CliOutput output, VerifyResult result)
    {
        var chains = result.Chains;
        output.Line(chains.FirstBroken is { } broken
            ? $"Chain broken: stream {broken.StreamId}, version {broken.Version} (sequence {broken.Sequence}): {broken.Problem}."
            : $"Chains intact: {chains.Events} events in {chains.Streams} streams.");
        if (result.Checkpoint is not { } checkpoint)
        {
            output.Line("No checkpoint has been made yet.");
            return;
        }

        var named = $"Checkpoint {checkpoint.Id} ({checkpoint.CreatedAt:O}, {Extent(checkpoint.Sequence, checkpoint.Position)}, {checkpoint.Streams} streams)";
        output.Line(checkpoint.Matches switch
        {
            true => $"{named} matches: nothing up to it changed.",
            false => $"{named} does NOT match: events up to it changed (root {checkpoint.RecomputedRoot}, signed {checkpoint.Root}).",
            null => $"{named}: its root covers every stream; verify without --customer to compare it.",
        });
        output.Line(checkpoint.Signature switch
        {
            SignatureCheck.Valid => $"Checkpoint signature valid (key {checkpoint.KeyId}).",
            SignatureCheck.Invalid => $"Checkpoint signature INVALID: {checkpoint.SignatureProblem}.",
            _ => $"Checkpoint signature not checked: {checkpoint.SignatureProblem}.",
        });
    }

    private static void AsOfText(CliOutput output, AsOfView view)
    {
        output.Line($"As of {view.AsOf:O}: {view.Requests.Count} access requests, {view.Grants.Count} grants.");
        if (view.Requests.Count > 0)
        {
            var requests = new Table().AddColumns("request", "vendor", "status", "scopes", "purpose", "requested at", "decided at");
            foreach (var r in view.Requests)
            {
                requests.AddRow(Cells(r.Id.ToString(), r.Vendor.Name, r.Status, string.Join(' ', r.ApprovedScopes ?? r.Scopes), r.Purpose, Instant(r.RequestedAt), Instant(r.DecidedAt)));
            }

            output.Write(requests);
        }

        if (view.Grants.Count > 0)
        {
            var grants = new Table().AddColumns("grant", "vendor", "status", "scopes", "purpose", "granted at", "ends at");
            foreach (var g in view.Grants)
            {
                grants.AddRow(Cells(g.Id.ToString(), g.Vendor.Name, g.Status, string.Join(' ', g.Scopes), g.Purpose, Instant(g.GrantedAt), Instant(g.EndedAt ?? g.ExpiresAt)));
            }

            output.Write(grants);
        }

        static string Instant(DateTimeOffset? at) => at?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

        // Vendors name themselves: their names are text, never markup.
        static Spectre.Console.Rendering.IRenderable[] Cells(params string[] cells) => [.. cells.Select(c => new Text(c))];
    }

    // What a checkpoint covers: every event up to its feed position (or, made before positions, up to its sequence).
    private static string Extent(long sequence, long? position) => position is { } p ? $"feed position {p}" : $"sequence {sequence}";

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    internal static async Task Guarded(CliOutput output, Func<Task<int>> run, Action<int> exit)
    {
        try
        {
            exit(await run());
        }
        catch (CliException e)
        {
            output.Error(e.Message);
            if (e.ExitCode == ExitCodes.Usage)
            {
                output.Error(UsageHint);
            }

            exit(e.ExitCode);
        }
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

/// <summary>export --output json: the customer's history, as the API's history endpoint gives it.</summary>
public sealed record ExportDocument(string Source, Guid Customer, IReadOnlyList<HistoryEntry> Events);

/// <summary>export --file ... --output json: what was written where.</summary>
public sealed record ExportFileDocument(string Source, Guid Customer, string File, string Format, int Written);
