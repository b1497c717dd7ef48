using System.Globalization;
using System.Text;

namespace BashuCloud.Api.Statistics;

/// <summary>
/// The joint statistics as one flat CSV table, one figure a row with its as-of time. UTF-8 with a byte order mark:
/// without it Excel on a Chinese Windows reads the file as GBK and garbles every Chinese title.
/// </summary>
public static class JointStatisticsCsv
{
    private static readonly string[] Header =
    [
        "指标 (figure)", "地区 (region)", "类型 (kind)", "状态 (status)", "领域 (field)", "月份 (month)", "角色 (role)",
        "年份 (year)", "名单 (list)", "买方地区 (buyer region)", "数量 (count)", "金额 (amount, CNY)", "截至 (as of)",
    ];

    public static byte[] Write(JointStatistics statistics)
    {
        var csv = new StringBuilder();
        Row(csv, Header);
        var listings = statistics.Listings;
        foreach (var c in listings.Cells) Row(csv, "listings", c.Region, c.Kind, c.Status, c.Field, "", "", "", "", "", Count(c.Count), "", Time(listings.AsOf));
        foreach (var m in listings.NewPerMonth) Row(csv, "new_listings", m.Region, m.Kind, "", "", m.Month, "", "", "", "", Count(m.Count), "", Time(listings.AsOf));
        foreach (var u in statistics.Users.Cells) Row(csv, "users", u.Region, "", "", "", "", u.Role, "", "", "", Count(u.Count), "", Time(statistics.Users.AsOf));
        var academic = statistics.Academic;
        foreach (var l in academic.Lists)
        {
            var year = l.Year.ToString(CultureInfo.InvariantCulture);
            Row(csv, "academic_announced", "", "", "", "", "", "", year, l.ListKind, "", Count(l.Announced), "", Time(academic.AsOf));
            Row(csv, "academic_registered", "", "", "", "", "", "", year, l.ListKind, "", Count(l.Registered), "", Time(academic.AsOf));
        }
        var deals = statistics.Deals;
        foreach (var d in deals.Stages) Row(csv, "deals", d.SellerRegion, "", d.Stage, "", "", "", "", "", "", Count(d.Count), "", Time(deals.AsOf));
        foreach (var f in deals.Flows) Row(csv, "registered_contracts", f.From, "", "", "", "", "", "", "", f.To, Count(f.Contracts), Amount(f.AmountCny), Time(deals.AsOf));
        foreach (var b in deals.Brokers) Row(csv, "broker_credit", b.Region, "", "", "", "", "", "", "", "", Count(b.Deals), Amount(b.CreditCny), Time(deals.AsOf));
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv.ToString())];
    }

    private static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Amount(decimal cny) => cny.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void Row(StringBuilder csv, params string[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0) csv.Append(',');
            var value = values[i];
            // RFC 4180: quote a value holding a separator, a quote or a line break, doubling its quotes.
            csv.Append(value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value);
        }
        csv.Append("\r\n");
    }
}
