using System.Globalization;

namespace CustomerVault.Kernel;

/// <summary>
/// What text from outside may hold: any Unicode character but control characters (tab, line feed and carriage return
/// excepted) and unpaired UTF-16 surrogates.
/// </summary>
/// <remarks>
/// PostgreSQL cannot store U+0000 in text or jsonb (it fails the whole write, 22P05), other control characters in a
/// vendor's name or a request's description can rewrite the terminal or the page the customer reads them in, and a
/// lone surrogate is not text at all: it cannot be encoded as UTF-8. Refused where text enters, with the field named.
/// </remarks>
public static class FreeText
{
    /// <summary>What is wrong with the text, in words that follow a field name; null when nothing is.</summary>
    public static string? Flaw(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"holds an unpaired UTF-16 surrogate (U+{(int)c:X4}) at character {i + 1}: it is not valid Unicode text.";
            }
            else if (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
            {
                return string.Create(CultureInfo.InvariantCulture, $"holds the control character U+{(int)c:X4} at character {i + 1}; only tab and line breaks are allowed.");
            }
        }

        return null;
    }
}
