using CustomerVault.Profiles;

namespace CustomerVault.Kernel;

/// <summary>Checks the data scopes a party names against the catalogue and a ceiling.</summary>
public static class ScopeRules
{
    public static void Validate(IReadOnlyList<string>? scopes, string field, ValidationContext errors, IEnumerable<string>? ceiling = null, string? ceilingName = null)
    {
        if (scopes is null || scopes.Count == 0)
        {
            errors.Add(field, "must name at least one scope of the catalogue (GET /v1/catalog).");
            return;
        }

        var allowed = ceiling?.ToHashSet(StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            if (!Catalog.IsScope(scope))
            {
                errors.Add(field, $"'{scope}' is not a scope of the catalogue (GET /v1/catalog).");
            }
            else if (allowed is not null && !allowed.Contains(scope))
            {
                errors.Add(field, $"'{scope}' is not among {ceilingName}.");
            }
        }

        if (scopes.Distinct(StringComparer.Ordinal).Count() != scopes.Count)
        {
            errors.Add(field, "names a scope twice.");
        }
    }
}
