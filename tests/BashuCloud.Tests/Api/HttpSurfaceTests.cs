using System.Text.RegularExpressions;

namespace BashuCloud.Tests.Api;

/// <summary>
/// One silo (what is tested here needs no region of its own) and two API processes: the fixture's own, as deployed
/// behind a proxy at 127.0.0.1 (Production, Bashu:ForwardedHeaders:KnownProxies), and one in Development with neither a
/// proxy nor BASHU_ADMIN_KEY.
/// </summary>
public sealed class HttpSurfaceProcesses : PlatformProcesses
{
    private const string KnownProxy = "Bashu__ForwardedHeaders__KnownProxies__0";

    public HttpSurfaceProcesses() => SiloRegions = ["sichuan"];

    protected override IReadOnlyDictionary<string, string> ApiSettings => new Dictionary<string, string>(base.ApiSettings) { [KnownProxy] = "127.0.0.1" };

    public (HttpClient Http, PlatformProcess Process) Development { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Development = await StartApiAsync(new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Development", ["BASHU_ADMIN_KEY"] = "", [KnownProxy] = null });
    }
}

/// <summary>
/// The HTTP surfaces outside /api/v1: who may read /metrics, whose X-Forwarded-* headers count, HSTS, the dashboard's
/// cookie, and the bootstrap administrator's key (never in a log).
/// </summary>
public sealed partial class HttpSurfaceTests(HttpSurfaceProcesses processes) : IClassFixture<HttpSurfaceProcesses>
{
    private const string PublicHost = "api.bashu.example";

    [Fact]
    public async Task Metrics_are_for_loopback_by_default_and_a_forwarded_address_counts_only_from_a_known_proxy()
    {
        using (var local = await GetAsync(processes.Http, "/metrics")) Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        // Through the proxy, a client of the private network is no longer taken for the machine itself.
        using (var forwarded = await GetAsync(processes.Http, "/metrics", ("X-Forwarded-For", "10.1.2.3"))) Assert.Equal(HttpStatusCode.NotFound, forwarded.StatusCode);
        using (var outside = await GetAsync(processes.Http, "/metrics", ("X-Forwarded-For", "203.0.113.7"))) Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        // Where no proxy is configured, nobody's X-Forwarded-For counts, loopback's neither: the connection's address does.
        using (var plain = await GetAsync(processes.Development.Http, "/metrics")) Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        using var ignored = await GetAsync(processes.Development.Http, "/metrics", ("X-Forwarded-For", "203.0.113.7"));
        Assert.Equal(HttpStatusCode.OK, ignored.StatusCode);
    }

    [Fact]
    public async Task Hsts_is_sent_outside_development_on_https_as_a_known_proxy_reports_it()
    {
        using (var https = await GetAsync(processes.Http, "/health/live", ("Host", PublicHost), ("X-Forwarded-Proto", "https")))
        {
            Assert.StartsWith("max-age=31536000", https.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
        }
        using (var http = await GetAsync(processes.Http, "/health/live", ("Host", PublicHost))) Assert.False(http.Headers.Contains("Strict-Transport-Security"));
        using var development = await GetAsync(processes.Development.Http, "/health/live", ("Host", PublicHost), ("X-Forwarded-Proto", "https"));
        Assert.False(development.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task The_session_cookie_is_secure_outside_development_even_over_plain_http()
    {
        Assert.Matches(SecureAttribute(), await SignInCookieAsync(processes.Http, PlatformProcesses.AdminKey));
        Assert.DoesNotMatch(SecureAttribute(), await SignInCookieAsync(processes.Development.Http, await GeneratedKeyAsync()));
    }

    [Fact]
    public async Task In_development_a_missing_bootstrap_key_is_generated_into_a_file_and_no_key_is_ever_logged()
    {
        var key = await GeneratedKeyAsync();
        using (var works = await GetAsync(processes.Development.Http, "/api/v1/listings", ("X-Api-Key", key))) Assert.Equal(HttpStatusCode.OK, works.StatusCode);
        using (var bootstrap = await GetAsync(processes.Http, "/api/v1/listings", ("X-Api-Key", PlatformProcesses.AdminKey))) Assert.Equal(HttpStatusCode.OK, bootstrap.StatusCode);
        Assert.DoesNotContain(key, processes.Development.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(PlatformProcesses.AdminKey, processes.ApiOutput, StringComparison.Ordinal);
    }

    /// <summary>The Development process's generated key, from the file its log names once it has recorded the key.</summary>
    private async Task<string> GeneratedKeyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Match logged;
        while (!(logged = GeneratedKeyLine().Match(processes.Development.Process.Output)).Success)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the log names the key's file: {processes.Development.Process.Tail()}");
            await Task.Delay(100);
        }
        var key = (await File.ReadAllTextAsync(logged.Groups["path"].Value)).Trim();
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(logged.Groups["path"].Value));
        Assert.Equal(1L, await processes.Database.ScalarAsync<long>(
            "SELECT count(*) FROM api_key WHERE key_id = $1 AND principal_id = 'admin' AND key_hash = sha256(convert_to($2, 'UTF8'))", logged.Groups["id"].Value, key));
        return key;
    }

    private static async Task<string> SignInCookieAsync(HttpClient api, string key)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = api.BaseAddress };
        using var response = await http.PostAsync("/admin/login", new FormUrlEncodedContent([new("key", key)]));
        Assert.Equal("/admin", response.Headers.Location?.OriginalString);
        return response.Headers.GetValues("Set-Cookie").Single();
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            if (name == "Host") request.Headers.Host = value;
            else request.Headers.Add(name, value);
        }
        return await http.SendAsync(request);
    }

    [GeneratedRegex(@"(?i);\s*secure(;|$)")]
    private static partial Regex SecureAttribute();

    [GeneratedRegex(@"key (?<id>key_[0-9a-f]{16}) is in (?<path>\S+)")]
    private static partial Regex GeneratedKeyLine();
}
