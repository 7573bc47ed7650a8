using System.Globalization;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace CustomerVault.Portal;

/// <summary>
/// The portal's dates are typed as the page writes them, yyyy-mm-dd (a browser's date picker shows the format of its
/// own locale, which rarely matches the text around it). Anything else is refused next to the field rather than read
/// as "no date": an end date she mistyped must not become the longest one.
/// </summary>
public sealed class IsoDateBinder : IModelBinder
{
    public const string Format = "yyyy-MM-dd";

    private static readonly object Refused = new();

    public Task BindModelAsync(ModelBindingContext context)
    {
        var value = context.ValueProvider.GetValue(context.ModelName);
        if (value == ValueProviderResult.None)
        {
            return Task.CompletedTask;
        }

        context.ModelState.SetModelValue(context.ModelName, value);
        var text = value.FirstValue?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            // Empty means "none" for an optional date; a required one is the command's to refuse.
            context.Result = context.ModelMetadata.IsReferenceOrNullableType ? ModelBindingResult.Success(null) : ModelBindingResult.Failed();
            return Task.CompletedTask;
        }

        if (DateOnly.TryParseExact(text, Format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            context.Result = ModelBindingResult.Success(day);
            return Task.CompletedTask;
        }

        context.ModelState.TryAddModelError(context.ModelName, $"“{text}” is not a date written as yyyy-mm-dd (for example 2030-01-31).");
        context.HttpContext.Items[Refused] = true;
        context.Result = ModelBindingResult.Failed();
        return Task.CompletedTask;
    }

    /// <summary>Whether a date in this request was refused: then no command may run with the field left empty.</summary>
    public static bool RefusedIn(HttpContext context) => context.Items.ContainsKey(Refused);
}

/// <summary>Binds every DateOnly (and DateOnly?) of the portal's pages with <see cref="IsoDateBinder"/>.</summary>
public sealed class IsoDateBinderProvider : IModelBinderProvider
{
    public IModelBinder? GetBinder(ModelBinderProviderContext context) =>
        context.Metadata.UnderlyingOrModelType == typeof(DateOnly) ? new IsoDateBinder() : null;
}
