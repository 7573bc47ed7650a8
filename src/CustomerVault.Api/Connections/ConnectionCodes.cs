using System.Security.Cryptography;
using System.Text;

namespace CustomerVault.Connections;

/// <summary>
/// Connection codes: what a customer reads out to a vendor that has no web flow (a shop counter, a call centre), so it
/// learns its id for her. Ten characters of Crockford's base 32 (50 bits, no I, L, O or U to misread), shown as
/// <c>ABCDE-FGHJK</c>. Guessing is pointless: a code works once, for minutes, and a vendor gets a handful of failures
/// per window; against even a thousand live codes that is a chance of about one in a billion per day.
/// </summary>
public static class ConnectionCodes
{
    public const int Length = 10;
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New()
    {
        var code = RandomNumberGenerator.GetString(Alphabet, Length);
        return $"{code[..5]}-{code[5..]}";
    }

    /// <summary>The code as typed (any case, spaces or hyphens, O for 0, I or L for 1) in its one canonical form; null when it cannot be a code.</summary>
    public static string? Normalize(string? typed)
    {
        if (typed is null || typed.Length > 40)
        {
            return null;
        }

        var canonical = new StringBuilder(Length);
        foreach (var c in typed.ToUpperInvariant())
        {
            switch (c)
            {
                case ' ' or '-':
                    continue;
                case 'O':
                    canonical.Append('0');
                    break;
                case 'I' or 'L':
                    canonical.Append('1');
                    break;
                case var other when Alphabet.Contains(other):
                    canonical.Append(other);
                    break;
                default:
                    return null;
            }
        }

        return canonical.Length == Length ? canonical.ToString() : null;
    }

    /// <summary>What the vault stores of a code: its hash, so that a copy of the table gives no one a code to redeem.</summary>
    public static byte[] Hash(string canonical) => SHA256.HashData(Encoding.ASCII.GetBytes(canonical));
}
