using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CustomerVault.Api.Tests.Support;

/// <summary>An answer as it came off the wire.</summary>
public sealed record RawResponse(HttpStatusCode Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? MediaType => Headers.TryGetValue("content-type", out var type) ? type.Split(';')[0].Trim() : null;
}

/// <summary>
/// HTTP/1.1 over a bare socket, for a body the server refuses before reading it all. A server answers 413 as soon as a
/// body passes its limit and then closes the connection; HttpClient reports only that its upload failed (see
/// dotnet/runtime#119350), where a client that reads while it writes, as curl does, sees the answer.
/// </summary>
public static class RawHttp
{
    public static async Task<RawResponse> SendAsync(
        Uri server, string method, string target, IEnumerable<(string Name, string Value)> headers, byte[] body, bool chunked)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.Host, server.Port, timeout.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);

        var head = new StringBuilder($"{method} {target} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        head.Append(chunked ? "Transfer-Encoding: chunked\r\n\r\n" : $"Content-Length: {body.Length}\r\n\r\n");
        var reading = ReadToEndAsync(stream, timeout.Token);
        try
        {
            await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), timeout.Token);
            for (var at = 0; at < body.Length; at += 16 * 1024)
            {
                var piece = body.AsMemory(at, Math.Min(16 * 1024, body.Length - at));
                if (chunked)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"{piece.Length:x}\r\n"), timeout.Token);
                }

                await stream.WriteAsync(piece, timeout.Token);
                if (chunked)
                {
                    await stream.WriteAsync("\r\n"u8.ToArray(), timeout.Token);
                }
            }

            if (chunked)
            {
                await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), timeout.Token);
            }
        }
        catch (IOException)
        {
            // The server stopped reading: it has answered, or is about to.
        }

        return Parse(await reading);
    }

    private static async Task<byte[]> ReadToEndAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException) when (received.Length > 0)
        {
            // A reset after the answer: what arrived is the answer.
        }

        return received.ToArray();
    }

    private static RawResponse Parse(byte[] received)
    {
        var end = received.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            throw new IOException($"The server closed the connection without a complete answer ({received.Length} bytes).");
        }

        var lines = Encoding.Latin1.GetString(received, 0, end).Split("\r\n");
        var status = (HttpStatusCode)int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(h => h[0].Trim().ToLowerInvariant(), h => h[1].Trim());
        var body = received[(end + 4)..];
        return new RawResponse(status, headers, Encoding.UTF8.GetString(headers.GetValueOrDefault("transfer-encoding") == "chunked" ? Dechunk(body) : body));
    }

    private static byte[] Dechunk(byte[] body)
    {
        var result = new MemoryStream();
        var at = 0;
        while (at < body.Length)
        {
            var lineEnd = at + body.AsSpan(at).IndexOf("\r\n"u8);
            var size = int.Parse(Encoding.ASCII.GetString(body, at, lineEnd - at).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                break;
            }

            result.Write(body, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }

        return result.ToArray();
    }
}
