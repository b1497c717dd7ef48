using System.Text;
using BashuCloud.Listings;
using BashuCloud.Platforms;
using BashuCloud.Text;
using BashuCloud.Users;

namespace BashuCloud.Tests.Unit;

/// <summary>The one rule for the characters of every text field (issue #18), without a cluster or a database.</summary>
public class TextRulesTests
{
    /// <summary>Code points (lone surrogates among them), as numbers: test runners cannot show a lone surrogate.</summary>
    public static TheoryData<int> Hazards() =>
    [
        0x0000, 0x0001, 0x001F, 0x007F, 0x0080, 0x0085, 0x009F, '\r',
        0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069,
        0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF, 0x1FFFE, 0x10FFFF, 0xD800, 0xDBFF, 0xDC00, 0xDFFF,
    ];

    [Theory]
    [MemberData(nameof(Hazards))]
    public void Controls_bidirectional_overrides_noncharacters_and_lone_surrogates_are_refused_in_any_field(int codePoint)
    {
        var hazard = codePoint > 0xFFFF ? char.ConvertFromUtf32(codePoint) : ((char)codePoint).ToString();
        Assert.NotNull(TextRules.Problem($"地铁{hazard}巡检", multiLine: false));
        Assert.NotNull(TextRules.Problem($"地铁{hazard}巡检", multiLine: true));
    }

    [Theory]
    [InlineData("\t")]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void Tab_and_newline_are_text_only_in_multi_line_fields(string whitespace)
    {
        Assert.Null(TextRules.Problem($"第一行{whitespace}第二行", multiLine: true));
        Assert.NotNull(TextRules.Problem($"第一行{whitespace}第二行", multiLine: false));
    }

    [Theory]
    [InlineData("𠀀𪚥 😀 🇨🇳")]
    [InlineData("e\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308\u0309\u030a")]
    [InlineData("Ünïcödé, ‘quotes’ — and a zero-width joiner 👩\u200d🔬")]
    [InlineData("عربي and עברית text without overrides")]
    public void Four_byte_characters_and_combining_marks_are_legitimate_text(string text) => Assert.Null(TextRules.Problem(text, multiLine: false));

    [Fact]
    public void The_message_names_the_code_point()
    {
        Assert.Contains("U+0000", TextRules.Problem("a\u0000", multiLine: true));
        Assert.Contains("U+202E", TextRules.Problem("a\u202e", multiLine: true));
    }

    [Theory]
    [InlineData("summary", true)]
    [InlineData("items[3].listing.summaryEn", true)]
    [InlineData("reason", true)]
    [InlineData("title", false)]
    [InlineData("owners[0].name", false)]
    [InlineData("keywords[2]", false)]
    [InlineData("notes[1]", true)]
    public void Multi_line_is_decided_by_the_field_a_path_ends_in(string path, bool multiLine) => Assert.Equal(multiLine, TextRules.IsMultiLine(path));

    [Fact]
    public void A_json_body_names_every_refused_string_by_its_path()
    {
        var body = """
            {"title": "好\u0000", "summary": "一行\n两行", "keywords": ["a", "b", "c\u202e"],
             "owners": [{"name": "甲", "share": 50}, {"name": "乙\u0007", "share": 50}],
             "items": [{"listing": {"city": "成\tx"}}], "nested": [[1, "\ud800"]]}
            """;
        Assert.Equal(
            ["items[0].listing.city", "keywords[2]", "nested[0][1]", "owners[1].name", "title"],
            TextRules.CheckJson(Encoding.UTF8.GetBytes(body)).Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("1e30")]
    [InlineData("79228162514264337593543950336")]
    [InlineData("-79228162514264337593543950336")]
    [InlineData("1e400")]
    public void A_number_past_decimals_range_is_named_by_its_path(string number)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"owners": [{"name": "甲", "share": {{number}}}]}""");
        Assert.Equal(["owners[0].share"], TextRules.CheckJson(body).Keys);
        Assert.Equal(["owners[0].share"], TextRules.CheckJson(body, strings: false).Keys);
    }

    [Fact]
    public void Numbers_within_decimals_range_and_a_sync_batchs_texts_are_left_to_the_validators()
    {
        Assert.Empty(TextRules.CheckJson("""{"a": 79228162514264337593543950335, "b": 1e-30, "c": -1.5}"""u8));
        Assert.Empty(TextRules.CheckJson("""{"items": [{"reason": "\u0000"}]}"""u8, strings: false));
        Assert.Equal(["items[1].reason"], TextRules.CheckJson("""{"items": [{}, {"reason": "\udfff"}]}"""u8, strings: false).Keys);
    }

    [Fact]
    public void A_body_that_is_not_json_or_nests_too_deep_is_left_to_binding()
    {
        Assert.Empty(TextRules.CheckJson("""{"title": "a\u0000"""u8));
        Assert.Empty(TextRules.CheckJson(Encoding.UTF8.GetBytes(new string('[', 3000) + new string(']', 3000))));
    }

    [Fact]
    public void A_body_full_of_refused_strings_is_named_in_at_most_twenty_fields()
    {
        var body = "[" + string.Join(",", Enumerable.Range(0, 500).Select(_ => "\"\\u0000\"")) + "]";
        Assert.Equal(TextRules.MaxErrors, TextRules.CheckJson(Encoding.UTF8.GetBytes(body)).Count);
    }

    [Fact]
    public void A_listing_names_each_refused_field_by_its_json_path()
    {
        var draft = Samples.Draft() with
        {
            Title = "地铁\u0000",
            Summary = "第一段\n\n第二段\t缩进",
            Owners = [new Owner("甲", 50), new Owner("乙\u202e", 50)],
            Keywords = ["地铁", "巡检", "机\u0001器人"],
            City = "成都\n",
        };
        var errors = ListingRules.Validate(draft, DateOnly.FromDateTime(Samples.Now.UtcDateTime));
        Assert.Equal(["city", "keywords[2]", "owners[1].name", "title"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Users_and_platforms_refuse_the_same_characters()
    {
        Assert.Equal(["organization"], UserRules.Validate(new UserRegistration("张三", UserRole.Researcher, Region.Sichuan, "川大\u0000", "成都")).Keys);
        Assert.Equal(["name"], PlatformRules.Validate("kczg", new PlatformRegistration("科创\u2066中国", null, PlatformKind.Partner, Region.Sichuan, null)).Keys);
    }
}
