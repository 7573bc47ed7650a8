using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MimeKit;

namespace CustomerVault.Api.Tests.Support;

/// <summary>
/// A real SMTP server on loopback (Debian's python3-aiosmtpd) that writes every message it accepts to a Maildir, which
/// a test can stop and start again on the same port. It reads its standard input until it closes, so it ends with
/// the test process however that ends.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private const string Script = """
        import sys
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox
        controller = Controller(Mailbox(sys.argv[2]), hostname='127.0.0.1', port=int(sys.argv[1]))
        controller.start()
        print('ready', flush=True)
        sys.stdin.read()
        controller.stop()
        """;

    private Process? _process;

    private SmtpTestServer(int port, string maildir)
    {
        Port = port;
        Maildir = maildir;
    }

    public int Port { get; }

    public string Maildir { get; }

    public static string Python => Environment.GetEnvironmentVariable("VAULT_TEST_PYTHON") ?? "/usr/bin/python3";

    public static async Task<SmtpTestServer> StartAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var server = new SmtpTestServer(port, Path.Combine(Path.GetTempPath(), $"vault-smtp-{Guid.NewGuid():N}"));
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again) on its port, with the same Maildir.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(Python)
        {
            ArgumentList = { "-c", Script, Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Maildir },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var ready = await _process.StandardOutput.ReadLineAsync(timeout.Token);
        Assert.True(ready == "ready", $"The SMTP server did not start ({Python} -m aiosmtpd; install python3-aiosmtpd).");
    }

    /// <summary>Stops the server: the relay is down until <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }

        _process.Dispose();
        _process = null;
    }

    /// <summary>Every message the server accepted for this recipient.</summary>
    public IReadOnlyList<MimeMessage> MessagesTo(string address)
    {
        var folder = Path.Combine(Maildir, "new");
        return !Directory.Exists(folder)
            ? []
            : Directory.GetFiles(folder).Select(f => MimeMessage.Load(f))
                .Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)))
                .ToList();
    }

    /// <summary>Waits until the recipient has <paramref name="count"/> messages, and returns them.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForAsync(string address, int count = 1)
    {
        await Eventually.HoldsAsync(() => MessagesTo(address).Count >= count, () => $"{address} received {MessagesTo(address).Count} of {count} messages.");
        return MessagesTo(address);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (Directory.Exists(Maildir))
        {
            Directory.Delete(Maildir, recursive: true);
        }
    }
}

/// <summary>The vault sending e-mail through a real SMTP server, with a fast dispatcher and short retry waits (on its fake clock).</summary>
public class MessagingVaultApp : WebhookVaultApp
{
    public SmtpTestServer Smtp { get; private set; } = null!;

    /// <summary>Set for a second node on the database of another (a restart).</summary>
    protected string? ExistingDatabase { get; init; }

    protected virtual bool Dispatch => true;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Vault:Messages:Dispatch"] = Dispatch ? "true" : "false",
        ["Vault:Messages:PollInterval"] = "00:00:00.050",
        ["Vault:Messages:RetryAttempts"] = "0",
        ["Vault:Messages:RetrySchedule:0"] = "00:00:10",
        ["Vault:Messages:RetrySchedule:1"] = "00:00:10",
        ["Vault:Messages:RetrySchedule:2"] = "00:00:10",
        ["Vault:Messages:Smtp:Host"] = "127.0.0.1",
        ["Vault:Messages:Smtp:Port"] = Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Vault:Messages:Smtp:Security"] = "None",
        ["Vault:Messages:Smtp:SenderAddress"] = "messages@vault.example",
        ["Vault:Messages:Smtp:Timeout"] = "00:00:05",
    };

    public override async Task InitializeAsync()
    {
        Smtp = await SmtpTestServer.StartAsync();
        if (ExistingDatabase is null)
        {
            await base.InitializeAsync();
            return;
        }

        ConnectionString = ExistingDatabase;
        Start();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
    }

    /// <summary>How often the vault tried to deliver a message, and its state, from the outbox itself.</summary>
    public async Task<(int Attempts, string Status)> DeliveryAsync(Guid messageId)
    {
        await using var connection = await OpenDatabaseAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT attempts, status FROM vault.messages WHERE id = $1", connection)
        {
            Parameters = { new() { Value = messageId } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"No message {messageId}.");
        return (reader.GetInt32(0), reader.GetString(1));
    }
}
