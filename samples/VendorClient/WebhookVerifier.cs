using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VendorClient;

/// <summary>
/// Checks a notification per Standard Webhooks: the HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}" under
/// our secret must match one of the signatures sent, and the timestamp must be recent (so a captured request cannot
/// be replayed later).
/// </summary>
public sealed class WebhookVerifier(string secret, TimeProvider clock)
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);
    private readonly byte[] _key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret["whsec_".Length..] : secret);

    public bool Verify(string? id, string? timestamp, string? signatures, string body)
    {
        if (string.IsNullOrEmpty(id) || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || string.IsNullOrEmpty(signatures))
        {
            return false;
        }

        if ((clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return false;
        }

        var expected = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        foreach (var candidate in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            // "v1,<base64>"; a rotation may send several, any one of them will do.
            var parts = candidate.Split(',', 2);
            if (parts is ["v1", var value] && Decode(value) is { } actual && CryptographicOperations.FixedTimeEquals(expected, actual))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[]? Decode(string value)
    {
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
