using System.Text.Json.Nodes;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Profiles;
using Marten;
using Microsoft.AspNetCore.Mvc;

namespace CustomerVault.Portal;

/// <summary>Her profile as a form. Saving sends the whole form as one merge patch, the same command as PATCH /v1/me/profile.</summary>
public sealed class ProfileModel(IDocumentSession session, CustomerKeyring keyring, TimeProvider clock) : PortalPage
{
    [BindProperty]
    public long Version { get; set; }

    [BindProperty]
    public ProfileForm Form { get; set; } = new();

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync()
    {
        if (await TryAsync(() => PatchProfile.ApplyAsync(session, keyring, CustomerId, Form.ToMergePatch(), Version, clock.Now(), HttpContext.RequestAborted)))
        {
            Notice = "Saved. Companies with access see the new values from their next read.";
            return RedirectToPage();
        }

        // After a concurrent change show what is stored now; after invalid input keep what she typed.
        if (GeneralErrors.Any())
        {
            // The inputs would otherwise show the values she posted rather than the stored ones.
            foreach (var key in ModelState.Keys.Where(k => k.StartsWith("Form.", StringComparison.Ordinal) || k == nameof(Version)).ToList())
            {
                ModelState.Remove(key);
            }

            await LoadAsync();
        }

        return Page();
    }

    private async Task<bool> LoadAsync()
    {
        var profile = await session.LoadAsync<Profile>(CustomerId, HttpContext.RequestAborted);
        var cipher = await keyring.OpenAsync(session, CustomerId, HttpContext.RequestAborted);
        if (profile is null || cipher is null)
        {
            return false;
        }

        Version = profile.Version;
        Form = ProfileForm.From(ProfileDocument.Open(profile.Attributes, cipher));
        return true;
    }
}

/// <summary>The profile's attributes as form fields: empty fields clear the attribute.</summary>
public sealed class ProfileForm
{
    public string? GivenName { get; set; }

    public string? FamilyName { get; set; }

    public DateOnly? Birthdate { get; set; }

    public string? Email { get; set; }

    public string? Phone { get; set; }

    /// <summary>The address lines, one per line.</summary>
    public string? PostalLines { get; set; }

    public string? Locality { get; set; }

    public string? Region { get; set; }

    public string? PostalCode { get; set; }

    public string? Country { get; set; }

    public List<string> Channels { get; set; } = [];

    public int? MaxContactsPerWeek { get; set; }

    /// <summary>Comma-separated tags.</summary>
    public string? Interests { get; set; }

    public static ProfileForm From(JsonObject document)
    {
        var identity = document["identity"] as JsonObject;
        var contact = document["contact"] as JsonObject;
        var preferences = document["preferences"] as JsonObject;
        var postal = contact?["postal"] as JsonObject;
        var communication = preferences?["communication"] as JsonObject;
        return new ProfileForm
        {
            GivenName = (string?)identity?["name"]?["given"],
            FamilyName = (string?)identity?["name"]?["family"],
            Birthdate = (string?)identity?["birthdate"] is { } birthdate && DateOnly.TryParse(birthdate, System.Globalization.CultureInfo.InvariantCulture, out var day) ? day : null,
            Email = (string?)contact?["email"],
            Phone = (string?)contact?["phone"],
            PostalLines = postal?["lines"] is JsonArray lines ? string.Join("\n", lines.Select(l => (string?)l)) : null,
            Locality = (string?)postal?["locality"],
            Region = (string?)postal?["region"],
            PostalCode = (string?)postal?["postalCode"],
            Country = (string?)postal?["country"],
            Channels = communication?["channels"] is JsonArray channels ? channels.Select(c => (string)c!).ToList() : [],
            MaxContactsPerWeek = (int?)communication?["maxContactsPerWeek"],
            Interests = preferences?["interests"] is JsonArray interests ? string.Join(", ", interests.Select(i => (string?)i)) : null,
        };
    }

    /// <summary>
    /// The whole form as an RFC 7396 merge patch: every attribute is named, with null where the form is empty, so
    /// what she cleared is cleared; the vault records events only for what actually changed.
    /// </summary>
    public JsonObject ToMergePatch()
    {
        var lines = (PostalLines ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var tags = (Interests ?? "").Split(',').Select(t => t.Trim()).Where(t => t.Length > 0).ToList();
        return new JsonObject
        {
            ["identity"] = new JsonObject
            {
                ["name"] = AnyOf(GivenName, FamilyName) ? new JsonObject { ["given"] = Text(GivenName), ["family"] = Text(FamilyName) } : null,
                ["birthdate"] = Birthdate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            },
            ["contact"] = new JsonObject
            {
                ["email"] = Text(Email),
                ["phone"] = Text(Phone),
                ["postal"] = lines.Count > 0 || AnyOf(Locality, Region, PostalCode, Country)
                    ? new JsonObject
                    {
                        ["lines"] = new JsonArray(lines.Select(l => (JsonNode?)l).ToArray()),
                        ["locality"] = Text(Locality),
                        ["region"] = Text(Region),
                        ["postalCode"] = Text(PostalCode),
                        ["country"] = Text(Country)?.ToUpperInvariant(),
                    }
                    : null,
            },
            ["preferences"] = new JsonObject
            {
                ["communication"] = Channels.Count > 0 || MaxContactsPerWeek is not null
                    ? new JsonObject { ["channels"] = new JsonArray(Channels.Select(c => (JsonNode?)c).ToArray()), ["maxContactsPerWeek"] = MaxContactsPerWeek }
                    : null,
                ["interests"] = tags.Count > 0 ? new JsonArray(tags.Select(t => (JsonNode?)t).ToArray()) : null,
            },
        };
    }

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool AnyOf(params string?[] values) => values.Any(v => !string.IsNullOrWhiteSpace(v));
}
