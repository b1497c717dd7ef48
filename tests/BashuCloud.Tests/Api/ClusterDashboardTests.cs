using Microsoft.Playwright;

namespace BashuCloud.Tests.Api;

/// <summary>
/// The Orleans Dashboard at /admin/orleans, over real HTTP the way a browser uses it, against the platform's real
/// silo processes: only the joint administrator's session opens it, and what it shows is the running cluster.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ClusterDashboardTests(PlatformFixture platform)
{
    private const string Dashboard = "/admin/orleans";

    [Fact]
    public async Task Without_a_session_the_page_sends_a_browser_to_sign_in_and_the_data_is_refused()
    {
        using var browser = AdminSessionTests.BrowserOf(platform);
        foreach (var page in new[] { Dashboard, $"{Dashboard}/", $"{Dashboard}/index.html" })
        {
            using var response = await browser.GetAsync(page);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/admin/login", response.Headers.Location!.OriginalString);
        }
        await AssertRefusedAsync(browser, HttpStatusCode.Unauthorized);

        // An API key is for the API, the joint administrator's too: it opens nothing here without a session.
        foreach (var key in new[] { PlatformProcesses.AdminKey, platform.Researchers[Region.Sichuan].Key })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{Dashboard}/DashboardCounters");
            request.Headers.Add("X-Api-Key", key);
            using var refused = await browser.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        // Nor does a researcher's key open a session that would.
        using (var signIn = await AdminSessionTests.SignInAsync(browser, platform.Researchers[Region.Sichuan].Key))
        {
            Assert.Equal("/admin/login?notice=role", signIn.Headers.Location!.OriginalString);
        }
        await AssertRefusedAsync(browser, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_provinces_administrator_keeps_the_dashboard_but_not_the_whole_clusters_view()
    {
        using var browser = AdminSessionTests.BrowserOf(platform);
        using (var signedIn = await AdminSessionTests.SignInAsync(browser, platform.AdministratorKeys[Region.Chongqing]))
        {
            Assert.Equal("/admin", signedIn.Headers.Location!.OriginalString);
        }
        using (var ours = await browser.GetAsync("/admin"))
        {
            Assert.Equal(HttpStatusCode.OK, ours.StatusCode);
        }
        foreach (var path in new[] { $"{Dashboard}/", $"{Dashboard}/version" })
        {
            using var response = await browser.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("仅限联合管理员", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await AssertRefusedAsync(browser, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_joint_administrator_sees_both_regions_silos_alive_and_their_grain_calls_until_signing_out()
    {
        using var browser = AdminSessionTests.BrowserOf(platform);
        using (var signedIn = await AdminSessionTests.SignInAsync(browser, PlatformProcesses.AdminKey))
        {
            Assert.Equal("/admin", signedIn.Headers.Location!.OriginalString);
        }
        using (var ours = await browser.GetAsync("/admin"))
        {
            Assert.Contains($"href=\"{Dashboard}/\"", await ours.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var bare = await browser.GetAsync(Dashboard))
        {
            Assert.Equal(HttpStatusCode.MovedPermanently, bare.StatusCode);
            Assert.Equal($"{Dashboard}/", bare.Headers.Location!.OriginalString);
        }
        using (var page = await browser.GetAsync($"{Dashboard}/"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
            Assert.Contains("index.min.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var policy = page.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("default-src 'none'; script-src 'self';", policy, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
            Assert.Contains("no-store", page.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        }
        using (var script = await browser.GetAsync($"{Dashboard}/index.min.js"))
        {
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        }

        var cluster = await CountersAsync(browser, counters => ActiveSilos(counters) is var silos
            && silos.Any(s => s.StartsWith("sichuan-", StringComparison.Ordinal)) && silos.Any(s => s.StartsWith("chongqing-", StringComparison.Ordinal)));
        Assert.Equal(2, cluster.GetProperty("totalActiveHostCount").GetInt32());

        // Profiling is on while the dashboard is looked at: a listing created now shows as calls to its grain.
        await CountersAsync(browser, counters => CallsTo("ListingGrain", counters) > 0,
            meanwhile: () => platform.CreateListingAsync(Samples.Draft(Region.Chongqing)));

        using (var state = await browser.GetAsync($"{Dashboard}/GrainState?grainId=x&grainType=BashuCloud.Listings.ListingGrain"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, state.StatusCode);
        }

        using (var signOut = await browser.PostAsync("/admin/logout", null))
        {
            Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        }
        await AssertRefusedAsync(browser, HttpStatusCode.Unauthorized);
        using var after = await browser.GetAsync($"{Dashboard}/");
        Assert.Equal("/admin/login", after.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task In_a_browser_the_joint_administrator_follows_the_link_and_sees_both_silos_within_the_content_policy()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DashboardBrowserTests.LaunchAsync(playwright);
        await using var context = await DashboardBrowserTests.ContextAsync(browser, platform);
        var page = await context.NewPageAsync();
        // A script error, a refused request or anything the content policy blocks shows as an error on the console.
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Location.Contains(Dashboard, StringComparison.Ordinal)) errors.Add($"{message.Location}: {message.Text}");
        };

        await page.GotoAsync("/admin/login");
        await page.FillAsync("#key", PlatformProcesses.AdminKey);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/admin");
        await page.ClickAsync("#cluster");
        await page.WaitForURLAsync($"**{Dashboard}/");
        await page.ClickAsync("a[href='#/silos']");
        foreach (var region in new[] { "sichuan", "chongqing" })
        {
            await Assertions.Expect(page.Locator("td", new() { HasText = $"{region}-" }).First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        }
        await page.ScreenshotAsync(new() { Path = DashboardBrowserTests.Screenshot("orleans.png"), FullPage = true });
        Assert.Empty(errors);
    }

    /// <summary>The dashboard's data, which its page polls: refused, with a problem a script can read.</summary>
    private static async Task AssertRefusedAsync(HttpClient browser, HttpStatusCode status)
    {
        foreach (var path in new[] { "DashboardCounters", "ClusterStats", "Reminders", "TopGrainMethods" })
        {
            using var response = await browser.GetAsync($"{Dashboard}/{path}");
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        }
    }

    /// <summary>
    /// The dashboard's counters once they show what is awaited (they are sampled every second, and the first answer of
    /// a freshly activated dashboard is empty); <paramref name="meanwhile"/> runs before each look.
    /// </summary>
    private static async Task<JsonElement> CountersAsync(HttpClient browser, Func<JsonElement, bool> shows, Func<Task>? meanwhile = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (meanwhile is not null) await meanwhile();
            using var response = await browser.GetAsync($"{Dashboard}/DashboardCounters");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var counters = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (shows(counters)) return counters;
            Assert.True(DateTime.UtcNow < deadline, $"the dashboard's counters never showed it: {counters}");
            await Task.Delay(500);
        }
    }

    private static List<string> ActiveSilos(JsonElement counters) =>
    [
        .. counters.GetProperty("hosts").EnumerateArray()
            .Where(h => h.GetProperty("status").GetString() == "Active")
            .Select(h => h.GetProperty("siloName").GetString()!),
    ];

    private static double CallsTo(string grainClass, JsonElement counters) => counters.GetProperty("simpleGrainStats").EnumerateArray()
        .Where(g => g.GetProperty("grainType").GetString()!.EndsWith(grainClass, StringComparison.Ordinal))
        .Sum(g => g.GetProperty("totalCalls").GetDouble());
}
