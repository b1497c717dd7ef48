using System.Text.RegularExpressions;

namespace BashuCloud.Tests.Api;

/// <summary>
/// Signing in to the administrators' dashboard, over real HTTP the way a browser does it (a form post, a cookie, no
/// redirects followed): who may sign in, where the cookie goes, and that a session ends with its key or a sign-out.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed partial class AdminSessionTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_dashboard_and_its_figures_need_a_session()
    {
        using var browser = Browser();
        using var page = await browser.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/admin/login", page.Headers.Location!.OriginalString);

        foreach (var path in new[] { "/admin/stats/joint", "/admin/stats/joint.csv" })
        {
            using var figures = await browser.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, figures.StatusCode);
            Assert.Equal("application/problem+json", figures.Content.Headers.ContentType!.MediaType);
        }
        // An API key is for the API: it opens no page of the dashboard.
        using var withKey = new HttpRequestMessage(HttpMethod.Get, "/admin/stats/joint");
        withKey.Headers.Add("X-Api-Key", PlatformProcesses.AdminKey);
        using var refused = await browser.SendAsync(withKey);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var login = await browser.GetAsync("/admin/login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("管理员 API 密钥", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", login.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_an_administrators_key_opens_a_session()
    {
        var partner = (await platform.IssueKeyAsync("kczg", ["listings:read", "stats:read"])).Key;
        foreach (var (key, notice) in new[]
        {
            ("bk_not_a_key_anybody_was_given_0000", "key"), ("", "key"), (new string('k', 201), "key"),
            (platform.Researchers[Region.Sichuan].Key, "role"), (partner, "role"),
        })
        {
            using var browser = Browser();
            using var response = await SignInAsync(browser, key);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal($"/admin/login?notice={notice}", response.Headers.Location!.OriginalString);
            Assert.False(response.Headers.Contains("Set-Cookie"));
        }
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM admin_session s JOIN api_key k USING (key_hash) WHERE k.principal_id = 'kczg'"));
    }

    [Fact]
    public async Task An_administrators_session_reads_the_same_figures_as_the_API_and_ends_on_sign_out()
    {
        using var browser = Browser();
        using (var signedIn = await SignInAsync(browser, platform.AdministratorKeys[Region.Chongqing]))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            Assert.Equal("/admin", signedIn.Headers.Location!.OriginalString);
            var cookie = signedIn.Headers.GetValues("Set-Cookie").Single();
            Assert.StartsWith("bashu_admin=", cookie, StringComparison.Ordinal);
            Assert.Contains("path=/admin", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
            // Outside Development, even over plain http: behind a proxy that ends TLS the API sees http.
            Assert.Matches(@"(?i);\s*secure(;|$)", cookie);
        }
        using (var page = await browser.GetAsync("/admin"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("川渝联合统计", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal("no-store", page.Headers.CacheControl!.ToString());
        }
        await platform.WaitForReadModelCaughtUpAsync();
        var viaApi = await FiguresAsync(await platform.SendAsync(HttpMethod.Get, "/api/v1/stats/joint?region=sichuan", key: platform.AdministratorKeys[Region.Chongqing]));
        var viaDashboard = await FiguresAsync(await browser.GetAsync("/admin/stats/joint?region=sichuan"));
        Assert.Equal(viaApi.GetProperty("listings").GetProperty("cells").ToString(), viaDashboard.GetProperty("listings").GetProperty("cells").ToString());
        Assert.Equal(viaApi.GetProperty("users").GetProperty("cells").ToString(), viaDashboard.GetProperty("users").GetProperty("cells").ToString());
        using (var unknown = await browser.GetAsync("/admin/stats/joint?kind=Rocket"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        }

        using (var signOut = await browser.PostAsync("/admin/logout", null))
        {
            Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
            Assert.Equal("/admin/login?notice=signed-out", signOut.Headers.Location!.OriginalString);
        }
        using var after = await browser.GetAsync("/admin/stats/joint");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task A_session_ends_when_its_key_is_revoked_and_a_stolen_token_is_useless_after_sign_out()
    {
        var (keyId, key) = await platform.IssueKeyAsync("sichuan", ["admin", "stats:read"]);
        using var browser = Browser();
        using (var signedIn = await SignInAsync(browser, key))
        {
            Assert.Equal("/admin", signedIn.Headers.Location!.OriginalString);
        }
        using (var before = await browser.GetAsync("/admin/stats/joint"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }
        using (var revoked = await platform.SendAsync(HttpMethod.Delete, $"/api/v1/platforms/sichuan/keys/{keyId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }
        using (var after = await browser.GetAsync("/admin/stats/joint"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        }

        // A token copied out of the browser before sign-out opens nothing afterwards.
        using var other = Browser();
        string token;
        using (var signedIn = await SignInAsync(other, PlatformProcesses.AdminKey))
        {
            token = signedIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        }
        using (var signOut = await other.PostAsync("/admin/logout", null))
        {
            Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        }
        using var replay = new HttpRequestMessage(HttpMethod.Get, "/admin/stats/joint");
        replay.Headers.Add("Cookie", token);
        using var replayed = await Browser().SendAsync(replay);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
    }

    [Fact]
    public async Task A_sign_in_posted_from_another_site_is_refused_and_opens_nothing()
    {
        var sessions = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM admin_session");
        using var browser = Browser();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/login") { Content = new FormUrlEncodedContent([new("key", PlatformProcesses.AdminKey)]) };
        request.Headers.Add("Origin", "https://evil.example");
        using var response = await browser.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Equal(sessions, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM admin_session"));
    }

    [Fact]
    public async Task Only_the_dashboards_own_files_are_served()
    {
        using var browser = Browser();
        using (var charts = await browser.GetAsync("/admin/assets/echarts.min.js"))
        {
            Assert.Equal(HttpStatusCode.OK, charts.StatusCode);
            Assert.Equal("text/javascript", charts.Content.Headers.ContentType!.MediaType);
            Assert.Contains("echarts", await charts.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        foreach (var path in new[] { "/admin/assets/index.html", "/admin/assets/appsettings.json", "/admin/assets/..%2Fappsettings.json", "/admin/assets/nothing.js" })
        {
            using var response = await browser.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    private HttpClient Browser() => BrowserOf(platform);

    /// <summary>A browser of its own: its own cookies, redirects not followed so each answer can be looked at.</summary>
    internal static HttpClient BrowserOf(PlatformProcesses platform) =>
        new(new LoopbackCookies(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })) { BaseAddress = platform.Http.BaseAddress };

    /// <summary>
    /// Cookies as a browser keeps them for http://127.0.0.1, which it treats as a secure origin: Secure cookies
    /// included (.NET's cookie container would never send one over http).
    /// </summary>
    private sealed class LoopbackCookies(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private readonly CookieContainer _jar = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            if (_jar.GetCookieHeader(uri) is { Length: > 0 } cookies && !request.Headers.Contains("Cookie")) request.Headers.Add("Cookie", cookies);
            var response = await base.SendAsync(request, cancellationToken);
            foreach (var cookie in response.Headers.TryGetValues("Set-Cookie", out var set) ? set : [])
            {
                _jar.SetCookies(uri, SecureAttribute().Replace(cookie, ""));
            }
            return response;
        }
    }

    [GeneratedRegex(@";\s*secure(?=;|$)", RegexOptions.IgnoreCase)]
    private static partial Regex SecureAttribute();

    internal static Task<HttpResponseMessage> SignInAsync(HttpClient browser, string key) =>
        browser.PostAsync("/admin/login", new FormUrlEncodedContent([new("key", key)]));

    private static async Task<JsonElement> FiguresAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }
    }
}
