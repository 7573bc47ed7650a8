using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace CustomerVault.Portal;

/// <summary>
/// Icons for what the portal names often: contact channels (from /img/icons.svg, a same-origin file the
/// Content-Security-Policy allows) and companies (a monogram in one of eight quiet colours, the same for a company on every page).
/// Both are decoration: the text beside them says what they show, so screen readers skip them.
/// </summary>
public static class PortalIcons
{
    private static readonly HashSet<string> Drawn = ["vault", "email", "sms", "phone", "post", "portal"];

    public static IHtmlContent Icon(string name) => Drawn.Contains(name)
        ? new HtmlString($"""<svg class="icon" aria-hidden="true" focusable="false"><use href="/img/icons.svg#{name}"></use></svg>""")
        : HtmlString.Empty;

    /// <summary>A channel's icon followed by its name in words.</summary>
    public static IHtmlContent Channel(string channel) =>
        new HtmlString($"""<span class="with-icon">{((HtmlString)Icon(channel)).Value}{HtmlEncoder.Default.Encode(PortalText.Channel(channel))}</span>""");

    public static IHtmlContent Company(string name)
    {
        var initial = name.Trim() is { Length: > 0 } trimmed ? char.ToUpperInvariant(trimmed[0]).ToString() : "?";
        // A stable hue per name (not string.GetHashCode, which changes between runs).
        var hue = name.Aggregate(0u, (hash, c) => hash * 31 + c) % 8;
        return new HtmlString($"""<span class="avatar hue-{hue}" aria-hidden="true">{HtmlEncoder.Default.Encode(initial)}</span>""");
    }
}
