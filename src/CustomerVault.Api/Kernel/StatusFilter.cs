using CustomerVault.Infrastructure.Http;

namespace CustomerVault.Kernel;

/// <summary>The <c>status</c> parameter of a list: one of the statuses' names, in any case.</summary>
public static class StatusFilter
{
    public static TEnum? Parse<TEnum>(string? text) where TEnum : struct, Enum =>
        text switch
        {
            null => null,
            _ when Enum.TryParse<TEnum>(text, ignoreCase: true, out var parsed) && !int.TryParse(text, out _) => parsed,
            _ => throw RequestValidationException.For("status", $"must be one of {string.Join(", ", Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))}."),
        };
}
