using System.Globalization;
using BashuCloud.Listings;
using Microsoft.Playwright;

namespace BashuCloud.Tests.Api;

/// <summary>
/// The administrators' dashboard in a real browser: Debian's Chromium, headless, driven by Playwright, against the
/// running platform. An administrator signs in, the charts render, the figures shown equal the API's (for both
/// provinces and filtered), the CSV export is the API's, and a screenshot is kept in TestResults/dashboard/.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class DashboardBrowserTests(PlatformFixture platform)
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string[] Charts = ["chart-region-kind", "chart-status", "chart-field", "chart-month", "chart-users", "chart-flows", "chart-deals"];
    private static readonly string Artifacts = Path.Combine(Repository.Root, "TestResults", "dashboard");

    [Fact]
    public async Task An_administrator_signs_in_and_sees_charts_whose_figures_equal_the_API()
    {
        foreach (var region in Regions.Regions.All)
        {
            foreach (var kind in new[] { ListingKind.Achievement, ListingKind.Demand, ListingKind.Patent })
            {
                await platform.PublishListingAsync(Samples.Draft(region, kind) with { Field = TechnologyField.RailTransit });
            }
        }
        await new DealScript(platform, Region.Chongqing).AtAsync(BashuCloud.Deals.DealStage.Registered);
        await platform.WaitForReadModelCaughtUpAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        await using var context = await ContextAsync(browser, platform);
        var page = await context.NewPageAsync();
        var scriptErrors = new List<string>();
        page.PageError += (_, error) => scriptErrors.Add(error);

        // Not signed in: the dashboard sends the browser to sign in; a wrong key is told so.
        await page.GotoAsync("/admin");
        Assert.EndsWith("/admin/login", page.Url, StringComparison.Ordinal);
        await page.FillAsync("#key", "bk_not_a_key_anybody_was_given_0000");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync("密钥无效");

        await page.FillAsync("#key", PlatformProcesses.AdminKey);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/admin");
        await ReadyAsync(page);
        await AssertFiguresEqualAsync(page, "");
        foreach (var chart in Charts)
        {
            var size = await page.EvalOnSelectorAsync<int[]>($"#{chart} canvas", "c => [c.width, c.height]");
            Assert.True(size[0] > 100 && size[1] > 100, $"{chart}: canvas {size[0]}×{size[1]}");
        }
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "dashboard.png"), FullPage = true });

        // A filter narrows every figure exactly as the API narrows them, and the export follows the filter.
        var filtered = page.WaitForResponseAsync(r => r.Url.Contains("/admin/stats/joint?region=chongqing", StringComparison.Ordinal));
        await page.SelectOptionAsync("select[name=region]", "chongqing");
        await filtered;
        await ReadyAsync(page);
        await AssertFiguresEqualAsync(page, "?region=chongqing");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "dashboard-chongqing.png"), FullPage = true });
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export"));
        var exported = await File.ReadAllBytesAsync((await download.PathAsync())!);
        using (var csv = await platform.SendAsync(HttpMethod.Get, "/api/v1/stats/joint.csv?region=chongqing"))
        {
            Assert.Equal(WithoutAsOf(await csv.Content.ReadAsByteArrayAsync()), WithoutAsOf(exported));
        }

        await page.ClickAsync("header button[type=submit]");
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync("已退出登录");
        await page.GotoAsync("/admin");
        Assert.EndsWith("/admin/login", page.Url, StringComparison.Ordinal);
        Assert.Empty(scriptErrors);
    }

    /// <summary>Debian's Chromium, headless; screenshots go to TestResults/dashboard/.</summary>
    internal static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: ./bashu test installs Debian's chromium package");
        Directory.CreateDirectory(Artifacts);
        return await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run"],
        });
    }

    /// <summary>A browser of a person in Chengdu or Chongqing, at the platform.</summary>
    internal static Task<IBrowserContext> ContextAsync(IBrowser browser, PlatformProcesses platform) => browser.NewContextAsync(new()
    {
        BaseURL = platform.Http.BaseAddress!.ToString(),
        ViewportSize = new() { Width = 1440, Height = 1800 },
        Locale = "zh-CN",
        TimezoneId = "Asia/Shanghai",
        AcceptDownloads = true,
    });

    internal static string Screenshot(string name) => Path.Combine(Artifacts, name);

    /// <summary>The page has its figures and ECharts has finished drawing every chart.</summary>
    private static async Task ReadyAsync(IPage page)
    {
        await page.WaitForSelectorAsync("body[data-state=ready]");
        foreach (var chart in Charts) await page.WaitForSelectorAsync($"#{chart}[data-rendered=true]");
    }

    private async Task AssertFiguresEqualAsync(IPage page, string filter)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, $"/api/v1/stats/joint{filter}");
        var api = await response.Content.ReadFromJsonAsync<JsonElement>();
        var listings = api.GetProperty("listings");
        long Of(JsonElement counts, string name) => counts.TryGetProperty(name, out var n) ? n.GetInt64() : 0;
        var expected = new Dictionary<string, long>
        {
            ["listings-total"] = listings.GetProperty("total").GetInt64(),
            ["listings-sichuan"] = Of(listings.GetProperty("byRegion"), "sichuan"),
            ["listings-chongqing"] = Of(listings.GetProperty("byRegion"), "chongqing"),
            ["listings-published"] = Of(listings.GetProperty("byStatus"), "Published"),
            ["users-total"] = api.GetProperty("users").GetProperty("total").GetInt64(),
            ["academic-registered"] = api.GetProperty("academic").GetProperty("lists").EnumerateArray().Sum(l => l.GetProperty("registered").GetInt64()),
        };
        Assert.True(expected["listings-total"] > 0);
        var turnover = api.GetProperty("deals").GetProperty("turnoverCny").EnumerateObject().Sum(r => r.Value.GetDecimal());
        Assert.Equal(turnover, decimal.Parse((await page.TextContentAsync("[data-figure=deals-turnover]"))!, NumberStyles.Number, CultureInfo.InvariantCulture));
        foreach (var (figure, value) in expected)
        {
            // What a person reads: the grouped number on the page ("1,234").
            var shown = await page.TextContentAsync($"[data-figure={figure}]");
            Assert.Equal(value, long.Parse(shown!, NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The CSV without its last column, the as-of time, which moves whenever the projection runs.</summary>
    private static string[] WithoutAsOf(byte[] csv) =>
        [.. System.Text.Encoding.UTF8.GetString(csv).Split("\r\n").Select(line => line.Contains(',', StringComparison.Ordinal) ? line[..line.LastIndexOf(',')] : line)];
}
