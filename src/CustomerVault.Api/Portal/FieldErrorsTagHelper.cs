using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace CustomerVault.Portal;

/// <summary>
/// Ties a form control to the messages about it: <c>errors-for="grant.scopes"</c> on an input, select, textarea or
/// fieldset marks it <c>aria-invalid</c> and points its <c>aria-describedby</c> at the messages when the page's model
/// state holds any for those keys (or keys inside them). The messages render with <c>&lt;field-errors for="…" id="…"&gt;</c>;
/// the control finds them at <c>errors-id</c>, or at its own id plus "-error".
/// </summary>
[HtmlTargetElement("input", Attributes = "errors-for", TagStructure = TagStructure.WithoutEndTag)]
[HtmlTargetElement("select", Attributes = "errors-for")]
[HtmlTargetElement("textarea", Attributes = "errors-for")]
[HtmlTargetElement("fieldset", Attributes = "errors-for")]
public sealed class FieldErrorsTagHelper : TagHelper
{
    /// <summary>Space-separated model-state keys whose messages are about this control.</summary>
    [HtmlAttributeName("errors-for")]
    public string Keys { get; set; } = "";

    [HtmlAttributeName("errors-id")]
    public string? ErrorsId { get; set; }

    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    // After the built-in input tag helpers, which set the id from asp-for.
    public override int Order => 1000;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        if (!FieldErrors.For(ViewContext.ViewData.ModelState, Keys).Any())
        {
            return;
        }

        var id = ErrorsId ?? $"{output.Attributes["id"]?.Value}-error";
        if (output.TagName != "fieldset")
        {
            output.Attributes.SetAttribute("aria-invalid", "true");
        }

        var describedBy = output.Attributes["aria-describedby"]?.Value?.ToString();
        output.Attributes.SetAttribute("aria-describedby", string.IsNullOrEmpty(describedBy) ? id : $"{describedBy} {id}");
    }
}

/// <summary>The messages about a control, as <c>&lt;field-errors for="keys" id="…"&gt;</c>; nothing when there are none.</summary>
[HtmlTargetElement("field-errors", Attributes = "for", TagStructure = TagStructure.WithoutEndTag)]
public sealed class FieldErrorListTagHelper : TagHelper
{
    [HtmlAttributeName("for")]
    public string Keys { get; set; } = "";

    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        var messages = FieldErrors.For(ViewContext.ViewData.ModelState, Keys).ToList();
        if (messages.Count == 0)
        {
            output.SuppressOutput();
            return;
        }

        output.TagName = "div";
        output.TagMode = TagMode.StartTagAndEndTag;
        output.Attributes.SetAttribute("class", "field-errors");
        foreach (var message in messages)
        {
            var paragraph = new TagBuilder("p");
            paragraph.AddCssClass("field-error");
            paragraph.Attributes["role"] = "alert";
            paragraph.InnerHtml.Append(message);
            output.Content.AppendHtml(paragraph);
        }
    }
}

public static class FieldErrors
{
    /// <summary>The messages for the given keys and the fields inside them, as <see cref="PortalPage.ErrorsFor"/> finds them.</summary>
    public static IEnumerable<string> For(ModelStateDictionary state, string keys) =>
        keys.Split(' ', StringSplitOptions.RemoveEmptyEntries).SelectMany(key => state
            .Where(e => e.Key.Equals(key, StringComparison.OrdinalIgnoreCase) || e.Key.StartsWith(key + ".", StringComparison.OrdinalIgnoreCase))
            .SelectMany(e => e.Value!.Errors.Select(error => error.ErrorMessage)));
}
