using System.Text.RegularExpressions;
using BashuCloud.Text;

namespace BashuCloud.Listings;

/// <summary>What a listing must look like. Pure: the grain decides with it, the tests check it without a cluster.</summary>
public static partial class ListingRules
{
    public const int TitleMax = 200;
    public const int TitleEnMax = 300;
    public const int SummaryMax = 4000;
    public const int SummaryEnMax = 8000;
    public const int CityMax = 40;
    public const int KeywordsMax = 10;
    public const int KeywordMax = 30;
    public const int OwnersMax = 10;
    public const int OwnerNameMax = 100;
    public const decimal PriceMax = 100_000_000_000m;
    /// <summary>The most possible duplicates a submitted listing is flagged with.</summary>
    public const int PossibleDuplicatesMax = 10;

    /// <summary>Checks a draft; the keys of the result are the request's JSON field names.</summary>
    public static IReadOnlyDictionary<string, string[]> Validate(ListingDraft draft, DateOnly today)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }

        if (draft.Kind is not { } kind) Add("kind", "必填 (required)");
        else if (!Enum.IsDefined(kind)) Add("kind", "未知类型 (unknown kind)");
        if (draft.Region is not { } region || !Enum.IsDefined(region)) Add("region", "必填：sichuan 或 chongqing (required)");
        if (!IsPlatformId(draft.PlatformId)) Add("platformId", "必填：平台标识，如 sichuan、kczg (required platform id)");

        Text(draft.Title, "title", TitleMax, required: true);
        Text(draft.TitleEn, "titleEn", TitleEnMax, required: false);
        Text(draft.Summary, "summary", SummaryMax, required: true);
        Text(draft.SummaryEn, "summaryEn", SummaryEnMax, required: false);
        Text(draft.City, "city", CityMax, required: true);

        if (draft.Field is not { } field || !Enum.IsDefined(field)) Add("field", "必填：技术领域 (required field of technology)");
        if (draft.IndustryCode is { } industry && !IndustryCode().IsMatch(industry))
        {
            Add("industryCode", "应为 GB/T 4754 行业代码，如 C3841 (a GB/T 4754 industry code)");
        }
        if (draft.IpcClass is { } ipc && !IpcClass().IsMatch(ipc)) Add("ipcClass", "应为 IPC 分类号，如 H01M 10/0525 (an IPC class)");
        if (draft.Kind is ListingKind.Patent && string.IsNullOrWhiteSpace(draft.IpcClass)) Add("ipcClass", "专利必填 IPC 分类号 (required for patents)");
        if (draft.PatentNumber is { } number && !PatentNumber().IsMatch(number)) Add("patentNumber", "应为专利号，如 ZL202010123456.7 (a patent number)");

        if (draft.Trl is not { } trl) Add("trl", "必填：技术成熟度 1–9 (required, TRL 1–9)");
        else if (trl is < 1 or > 9) Add("trl", "技术成熟度应在 1–9 之间 (TRL must be 1–9)");

        if (draft.DealTypes is not { Count: > 0 } dealTypes) Add("dealTypes", "至少一种交易方式 (at least one deal type)");
        else if (dealTypes.Distinct().Count() != dealTypes.Count || dealTypes.Any(d => !Enum.IsDefined(d))) Add("dealTypes", "交易方式重复或未知 (duplicate or unknown deal type)");

        PriceRules(draft, Add);
        OwnerRules(draft.Owners, Add);

        if (draft.Keywords is { } keywords)
        {
            if (keywords.Count > KeywordsMax) Add("keywords", $"关键词最多 {KeywordsMax} 个 (at most {KeywordsMax})");
            if (keywords.Any(k => string.IsNullOrWhiteSpace(k) || k.Length > KeywordMax)) Add("keywords", $"关键词不能为空，且不超过 {KeywordMax} 字 (non-empty, at most {KeywordMax} characters)");
        }
        if (draft.ExpiresOn is { } expires && expires <= today) Add("expiresOn", "有效期应晚于今天 (must be after today)");
        foreach (var (path, message) in TextRules.Check(TextFields(draft))) Add(path, message);

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

        void Text(string? value, string name, int max, bool required)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                if (required || value is not null) Add(name, "不能为空 (must not be empty)");
            }
            else if (value.Length > max)
            {
                Add(name, $"不能超过 {max} 字 (at most {max} characters)");
            }
        }
    }

    /// <summary>Every text of a draft by its JSON path, for <see cref="TextRules"/>.</summary>
    private static IEnumerable<(string Path, string? Value)> TextFields(ListingDraft draft) =>
    [
        ("platformId", draft.PlatformId), ("title", draft.Title), ("titleEn", draft.TitleEn), ("summary", draft.Summary),
        ("summaryEn", draft.SummaryEn), ("industryCode", draft.IndustryCode), ("ipcClass", draft.IpcClass),
        ("patentNumber", draft.PatentNumber), ("city", draft.City), .. TextRules.Items("keywords", draft.Keywords),
        .. TextRules.Items("owners", draft.Owners?.Select(o => o?.Name)).Select(o => (o.Path + ".name", o.Value)),
    ];

    /// <summary>Whether two drafts say the same thing, lists included (records compare lists by reference).</summary>
    public static bool SameContent(ListingDraft? a, ListingDraft? b) =>
        a is not null && b is not null
        && System.Text.Json.JsonSerializer.Serialize(a, BashuJson.Options) == System.Text.Json.JsonSerializer.Serialize(b, BashuJson.Options);

    public static bool IsPlatformId(string? id) => id is not null && PlatformIdPattern().IsMatch(id);

    private static void PriceRules(ListingDraft draft, Action<string, string> add)
    {
        if (draft.PriceModel is not { } model || !Enum.IsDefined(model))
        {
            add("priceModel", "必填：Fixed、Negotiable、Royalty 或 Free (required)");
            return;
        }
        var needsAmount = model is PriceModel.Fixed or PriceModel.Royalty;
        if (needsAmount && draft.PriceAmountCny is null) add("priceAmountCny", "定价方式需要金额 (required for this price model)");
        if (model is PriceModel.Free && draft.PriceAmountCny is not null and not 0) add("priceAmountCny", "免费项目不应有金额 (must be empty when free)");
        if (draft.PriceAmountCny is { } amount && (amount < 0 || amount > PriceMax)) add("priceAmountCny", "金额超出范围 (out of range)");
    }

    private static void OwnerRules(IReadOnlyList<Owner>? owners, Action<string, string> add)
    {
        if (owners is not { Count: > 0 })
        {
            add("owners", "至少一位权利人 (at least one owner)");
            return;
        }
        if (owners.Count > OwnersMax) add("owners", $"权利人最多 {OwnersMax} 位 (at most {OwnersMax})");
        if (owners.Any(o => string.IsNullOrWhiteSpace(o?.Name) || o.Name.Length > OwnerNameMax)) add("owners", "权利人名称不能为空 (owner names are required)");
        if (owners.Any(o => o?.Share is not > 0 || o.Share > 100)) add("owners", "份额应在 0–100 之间 (each share is in (0, 100])");
        else if (owners.Sum(o => o.Share!.Value) != 100) add("owners", "份额之和应为 100 (shares must sum to 100)");
    }

    [GeneratedRegex(@"^[A-T](\d{2}|\d{3}|\d{4})$", RegexOptions.CultureInvariant)]
    private static partial Regex IndustryCode();

    [GeneratedRegex(@"^[A-H]\d{2}[A-Z] ?\d{1,4}/\d{2,6}$", RegexOptions.CultureInvariant)]
    private static partial Regex IpcClass();

    [GeneratedRegex(@"^(ZL)?\d{8,13}\.?[\dX]$", RegexOptions.CultureInvariant)]
    private static partial Regex PatentNumber();

    [GeneratedRegex("^[a-z][a-z0-9-]{1,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex PlatformIdPattern();
}
