using System.Net.Sockets;
using System.Text.RegularExpressions;
using BashuCloud.Users;

namespace BashuCloud.Tests.Telemetry;

/// <summary>
/// The real API and silo processes, scraped as Prometheus would: the API's /metrics over HTTP from an allowed network
/// (here 127.0.0.1 only, so that a client at 127.0.0.2 is outside), and the silo's own listener (Bashu:MetricsPort).
/// </summary>
public sealed class TelemetryPlatform : PlatformProcesses
{
    public TelemetryPlatform() => SiloRegions = ["sichuan"];

    public int SiloMetricsPort { get; } = FreePort();

    protected override IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>(base.SiloSettings)
    {
        ["Bashu__MetricsPort"] = SiloMetricsPort.ToString(),
    };

    protected override IReadOnlyDictionary<string, string> ApiSettings => new Dictionary<string, string>(base.ApiSettings)
    {
        ["Bashu__Metrics__AllowedNetworks__0"] = "127.0.0.1/32",
    };
}

public sealed partial class MetricsEndpointTests(TelemetryPlatform platform) : IClassFixture<TelemetryPlatform>
{
    private static readonly string[] PartnerScopes = ["changes:read", "listings:read", "listings:write"];
    private static readonly string[] ChangedOnly = ["listing.changed"];

    [Fact]
    public async Task After_a_sync_batch_and_its_webhooks_the_metrics_show_the_API_Orleans_the_database_and_our_own_figures()
    {
        using (var registered = await platform.SendAsync(HttpMethod.Put, "/api/v1/platforms/otel-partner", new { name = "遥测合作平台", kind = "Partner", homeRegion = "sichuan" }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        string key;
        using (var issued = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/otel-partner/keys", new { scopes = PartnerScopes }))
        {
            Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
            key = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
        }
        // Each delivery fails once, then arrives.
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, earlier) => earlier == 0 ? 500 : 200;
        using (var subscribed = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/otel-partner/webhooks", new { url = receiver.Url, events = ChangedOnly }, key))
        {
            Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        }
        var batch = new
        {
            partnerId = "otel-partner",
            items = new object[]
            {
                new { op = "upsert", externalId = "otel-1", listing = Samples.Draft(Region.Sichuan) with { PlatformId = null } },
                new { op = "upsert", externalId = "otel-2", listing = Samples.Draft(Region.Sichuan) with { PlatformId = null } },
                new { op = "rename", externalId = "otel-3" },
            },
        };
        using (var synced = await platform.SendAsync(HttpMethod.Post, "/api/v1/sync/batch", batch, key)) Assert.Equal(HttpStatusCode.OK, synced.StatusCode);
        await WaitAsync(async () => await platform.Database.ScalarAsync<long>("SELECT count(*) FROM rm_listing WHERE platform_id = 'otel-partner'") == 2,
            "the read model holds the synced listings");
        var inSichuan = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM rm_listing WHERE region = 'sichuan'");

        // The gauge agrees with the read model once its figures were read after the listings came in.
        var metrics = await ScrapeUntilAsync(platform.Http, "/metrics", text => Value(text, "bashu_listings", "bashu_region=\"sichuan\"") == inSichuan);

        Assert.Equal(2, Value(metrics, "bashu_sync_batch_items_total", "bashu_sync_outcome=\"accepted\""));
        Assert.Equal(1, Value(metrics, "bashu_sync_batch_items_total", "bashu_sync_outcome=\"rejected\""));
        Assert.True(Value(metrics, "http_server_request_duration_seconds_count", "http_route=\"/api/v1/sync/batch\"") >= 1, metrics);
        metrics = await ScrapeUntilAsync(platform.Http, "/metrics", text => Value(text, "bashu_webhook_deliveries_total", "bashu_webhook_outcome=\"delivered\"") == 2);
        Assert.Equal(2, Value(metrics, "bashu_webhook_deliveries_total", "bashu_webhook_outcome=\"pending\""));
        foreach (var family in new[] { "kestrel_", "orleans_", "db_client_", "dotnet_" })
        {
            Assert.Matches(new Regex($"^{family}\\w+(\\{{[^}}]*\\}})? \\d", RegexOptions.Multiline), metrics);
        }
    }

    [Fact]
    public async Task The_silo_serves_its_own_metrics_on_its_metrics_port()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{platform.SiloMetricsPort}") };

        var metrics = await ScrapeUntilAsync(http, "/metrics", text => text.Contains("orleans_catalog_activations", StringComparison.Ordinal));

        foreach (var family in new[] { "orleans_", "db_client_", "dotnet_" })
        {
            Assert.Matches(new Regex($"^{family}\\w+(\\{{[^}}]*\\}})? \\d", RegexOptions.Multiline), metrics);
        }
    }

    [Fact]
    public async Task A_deal_entering_a_stage_is_counted_by_the_silo_that_stored_it_and_shown_by_stage_on_the_API()
    {
        using (var registered = await platform.SendAsync(HttpMethod.Put, "/api/v1/platforms/sichuan", new { name = "天府科技云", kind = "Provincial", homeRegion = "sichuan" }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        var seller = await RegisterAsync("遥测研究员", UserRole.Researcher, Region.Sichuan);
        var administrator = await RegisterAsync("遥测管理员", UserRole.Administrator, Region.Sichuan);
        var buyer = await RegisterAsync("遥测买方", UserRole.Researcher, Region.Chongqing);
        string listing;
        using (var created = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", Samples.Draft(Region.Sichuan), seller))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            listing = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }
        using (var submitted = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/submit", key: seller)) Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        using (var approved = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/approve", key: administrator)) Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var inquiry = new { message = "我们希望了解该成果的转让条件。", contact = "王经理 138 0000 0000" };
        using (var opened = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{listing}/inquiries", inquiry, buyer)) Assert.Equal(HttpStatusCode.Created, opened.StatusCode);

        using var silo = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{platform.SiloMetricsPort}") };
        var siloMetrics = await ScrapeUntilAsync(silo, "/metrics", text => Value(text, "bashu_deals_transitions_total", "bashu_deal_stage=\"Inquiry\"") is not null);
        Assert.Equal(1, Value(siloMetrics, "bashu_deals_transitions_total", "bashu_deal_stage=\"Inquiry\"", "bashu_region=\"sichuan\""));
        await ScrapeUntilAsync(platform.Http, "/metrics", text => Value(text, "bashu_deals", "bashu_deal_stage=\"Inquiry\"") == 1);
    }

    private async Task<string> RegisterAsync(string name, UserRole role, Region region)
    {
        using var response = await platform.SendAsync(HttpMethod.Post, "/api/v1/users", new UserRegistration(name, role, region, "测试单位", "成都"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
    }

    [Fact]
    public async Task A_client_outside_the_allowed_networks_is_told_there_is_no_such_page()
    {
        using var outside = new HttpClient(new SocketsHttpHandler { ConnectCallback = ConnectFrom(IPAddress.Parse("127.0.0.2")) })
        {
            BaseAddress = platform.Http.BaseAddress,
        };

        using (var live = await outside.GetAsync("/health/live")) Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using (var scraped = await outside.GetAsync("/metrics")) Assert.Equal(HttpStatusCode.NotFound, scraped.StatusCode);
        using (var inside = await platform.Http.GetAsync("/metrics")) Assert.Equal(HttpStatusCode.OK, inside.StatusCode);
    }

    /// <summary>Connections from this local address (any 127.x address is this machine's loopback).</summary>
    private static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectFrom(IPAddress local) => async (context, cancellationToken) =>
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(local, 0));
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };

    /// <summary>The summed value of a metric's samples that have all these labels (null: none there).</summary>
    private static double? Value(string metrics, string name, params string[] labels)
    {
        var values = Sample().Matches(metrics)
            .Where(m => m.Groups["name"].Value == name && labels.All(l => m.Groups["labels"].Value.Contains(l, StringComparison.Ordinal)))
            .Select(m => double.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return values.Count == 0 ? null : values.Sum();
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][\w:]*)\{(?<labels>[^}]*)\} (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Sample();

    private static async Task<string> ScrapeUntilAsync(HttpClient http, string path, Func<string, bool> complete)
    {
        var text = "";
        await WaitAsync(async () =>
        {
            using var response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync();
            return complete(text);
        }, "the scrape showed the figures");
        return text;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what);
            await Task.Delay(500);
        }
    }
}
