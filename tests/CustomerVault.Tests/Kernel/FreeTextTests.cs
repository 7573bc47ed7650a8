using CustomerVault.Kernel;

namespace CustomerVault.Tests.Kernel;

public sealed class FreeTextTests
{
    [Theory]
    [InlineData("Our monthly newsletter about telescopes.")]
    [InlineData("Line one\nline two\r\n\tindented")]
    [InlineData("Zürich, 東京, القاهرة")]
    [InlineData("Stars 🔭✨")]
    [InlineData("")]
    public void Text_people_write_has_no_flaw(string text) => Assert.Null(FreeText.Flaw(text));

    [Theory]
    [InlineData("a\u0000b", "U+0000")]
    [InlineData("\u0007", "U+0007")]
    [InlineData("red\u001b[31m", "U+001B")]
    [InlineData("\u007f", "U+007F")]
    [InlineData("next\u0085line", "U+0085")]
    public void Control_characters_are_flaws_named_by_code_point(string text, string codePoint) =>
        Assert.Contains(codePoint, FreeText.Flaw(text));

    // Built here: an attribute's strings are stored as UTF-8, which cannot hold a lone surrogate.
    [Theory]
    [InlineData("high ", 0xD83D, " alone")]
    [InlineData("", 0xDE00, " low first")]
    [InlineData("ends high ", 0xD83D, "")]
    public void Unpaired_surrogates_are_flaws_named_by_code_point(string before, int surrogate, string after) =>
        Assert.Contains($"U+{surrogate:X4}", FreeText.Flaw(before + (char)surrogate + after));
}
