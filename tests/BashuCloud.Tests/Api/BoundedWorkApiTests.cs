using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using BashuCloud.Users;
using Npgsql;
using static BashuCloud.Tests.Api.ListingApiTests;

namespace BashuCloud.Tests.Api;

/// <summary>
/// The platform with small budgets (30 anonymous requests a minute per address, 60 per user's key, 30 per platform),
/// one sync batch at a time and a 2 s statement timeout, on a PostgreSQL server of its own: a test here holds a
/// transaction open, which would hold back the change feeds of every database on a shared server.
/// </summary>
public sealed class BoundedWorkPlatform : PlatformFixture
{
    public const int AnonymousBudget = 30;
    public const int UserBudget = 60;
    public const int PlatformBudget = 30;

    public PrivatePostgres Postgres { get; private set; } = null!;

    /// <summary>A published listing of Sichuan.</summary>
    public string PublishedId { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string> ApiSettings => new Dictionary<string, string>(base.ApiSettings)
    {
        ["Bashu__AnonymousRequestsPerMinute"] = AnonymousBudget.ToString(),
        ["Bashu__UserRequestsPerMinute"] = UserBudget.ToString(),
        ["Bashu__PlatformRequestsPerMinute"] = PlatformBudget.ToString(),
        ["Bashu__MaxConcurrentSyncBatches"] = "1",
        ["Bashu__StatementTimeout"] = "00:00:02",
    };

    protected override async Task<TestDatabase> CreateDatabaseAsync()
    {
        Postgres = await PrivatePostgres.StartAsync();
        return await TestDatabase.CreateAsync(server: Postgres.ServerConnectionString);
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        PublishedId = await PublishListingAsync(Samples.Draft(Region.Sichuan));
    }

    /// <summary>A researcher of its own, with a full budget.</summary>
    public Task<(string Id, string Key)> NewResearcherAsync() => RegisterAsync($"研究员{Guid.NewGuid():N}"[..12], UserRole.Researcher, Region.Sichuan);

    /// <summary>A partner platform of its own and its key: a full platform budget.</summary>
    public async Task<string> NewPlatformKeyAsync(string[] scopes)
    {
        var id = $"bw-{Guid.NewGuid():N}"[..12];
        using (var registered = await SendAsync(HttpMethod.Put, $"/api/v1/platforms/{id}", new { name = "预算测试平台", kind = "Partner", homeRegion = "sichuan" }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        return (await IssueKeyAsync(id, scopes)).Key;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

/// <summary>Issue #18 item 4: what one request and one caller may cost is bounded, over real HTTP against the real processes.</summary>
public sealed class BoundedWorkApiTests(BoundedWorkPlatform platform) : IClassFixture<BoundedWorkPlatform>
{
    private static readonly string[] Feed = ["changes:read", "listings:read"];
    private static readonly string[] Writer = ["listings:read", "listings:write"];

    public static TheoryData<string> Endpoints => ["read", "search", "history", "changes"];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task An_anonymous_caller_over_its_addresss_budget_gets_429_with_Retry_After(string endpoint)
    {
        var refused = await FloodAsync(PathOf(endpoint), key: null, BoundedWorkPlatform.AnonymousBudget);
        // Another caller is not the anonymous address: its own budget is untouched.
        var (_, other) = await platform.NewResearcherAsync();
        using var served = await platform.SendAsync(HttpMethod.Get, PathOf("read"), key: other);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Contains("匿名", refused, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_keyed_caller_over_its_budget_gets_429_with_Retry_After_and_other_keys_are_served(string endpoint)
    {
        // The feed is read by platforms (their budget is counted in PostgreSQL); the rest by a user's own key.
        var (budget, key) = endpoint == "changes"
            ? (BoundedWorkPlatform.PlatformBudget, await platform.NewPlatformKeyAsync(Feed))
            : (BoundedWorkPlatform.UserBudget, (await platform.NewResearcherAsync()).Key);
        await FloodAsync(PathOf(endpoint), key, budget);
        var (_, other) = await platform.NewResearcherAsync();
        using var served = await platform.SendAsync(HttpMethod.Get, PathOf("search"), key: other);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task A_batch_of_1001_items_is_refused_as_its_1001st_item_arrives_without_reading_the_rest()
    {
        var key = await platform.NewPlatformKeyAsync(Writer);
        var item = JsonSerializer.Serialize(new { op = "upsert", externalId = "x-1", listing = Samples.Draft(Region.Sichuan) with { PlatformId = null } }, BashuJson.Options);
        await using var batch = await HeldBatch.StartAsync(platform.Http.BaseAddress!, key, "{\"partnerId\": \"kczg\", \"items\": [" + string.Join(",", Enumerable.Repeat(item, 1001)) + ",");
        // Answered while the rest of the body is still held back: the server stopped reading at the 1,001st item
        // (reading on, it would wait for the rest of the body and never answer here).
        Assert.Equal(413, await batch.StatusAsync());
    }

    [Fact]
    public async Task A_users_own_key_gets_413_over_1_MiB_while_a_platform_key_may_send_a_larger_batch()
    {
        var (_, researcher) = await platform.NewResearcherAsync();
        var body = $"{{\"partnerId\": \"kczg\", \"note\": \"{new string('x', 2 * 1024 * 1024)}\", \"items\": []}}";
        using (var refused = await SendBatchAsync(body, researcher)) await AssertProblem(refused, HttpStatusCode.RequestEntityTooLarge, "a user's key, 2 MiB");
        using var accepted = await SendBatchAsync(body, await platform.NewPlatformKeyAsync(Writer));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task A_batch_beyond_the_concurrent_cap_gets_503_with_Retry_After_and_is_served_once_a_slot_is_free()
    {
        var key = await platform.NewPlatformKeyAsync(Writer);
        var empty = "{\"partnerId\": \"kczg\", \"items\": []}";
        await using var held = await HeldBatch.StartAsync(platform.Http.BaseAddress!, key, "{\"partnerId\": \"kczg\", \"items\": [");

        // The held batch has the process's one slot once its handler runs: from then on another batch is refused
        // (sent by an administrator, whose budget is not the platform's).
        var (_, administrator) = await platform.RegisterAsync($"管理员{Guid.NewGuid():N}"[..12], UserRole.Administrator, Region.Sichuan);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var second = await SendBatchAsync(empty, administrator);
            if (second.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.InRange(int.Parse(second.Headers.RetryAfter!.ToString()), 1, 60);
                await AssertProblem(second, HttpStatusCode.ServiceUnavailable, "a second batch at once");
                break;
            }
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, "a batch beyond the cap was refused");
            await Task.Delay(100);
        }
        await held.FinishAsync("]}");
        Assert.Equal(200, await held.StatusAsync());
        using var after = await SendBatchAsync(empty, key);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task A_query_slower_than_the_statement_timeout_answers_503_instead_of_hanging()
    {
        var (_, key) = await platform.NewResearcherAsync();
        await using var blocker = new NpgsqlConnection(platform.Database.ConnectionString);
        await blocker.OpenAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        // Every query of the read model's listings now waits for this lock.
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE rm_listing IN ACCESS EXCLUSIVE MODE", blocker, transaction)) await lockTable.ExecuteNonQueryAsync();

        var clock = Stopwatch.StartNew();
        using var response = await platform.SendAsync(HttpMethod.Get, "/api/v1/listings?region=sichuan", key: key);
        await AssertProblem(response, HttpStatusCode.ServiceUnavailable, "a query waiting on a lock");
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"answered after {clock.Elapsed}");
        await transaction.RollbackAsync();
        using var served = await platform.SendAsync(HttpMethod.Get, "/api/v1/listings?region=sichuan", key: key);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task A_transaction_left_idle_is_ended_and_the_change_feed_moves_on_past_it()
    {
        var feed = await platform.NewPlatformKeyAsync(Feed);
        var start = await LastCursorAsync(feed);
        // A session as someone's forgotten psql would open it: it took a transaction id and went quiet.
        await using var forgotten = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(platform.Database.ConnectionString) { Pooling = false }.ConnectionString);
        await forgotten.OpenAsync();
        // Not disposed: PostgreSQL ends the session, and there is nothing left to roll back.
        var transaction = await forgotten.BeginTransactionAsync();
        await using (var xid = new NpgsqlCommand("SELECT pg_current_xact_id()", forgotten, transaction)) await xid.ExecuteScalarAsync();
        var pid = forgotten.ProcessID;

        var id = await platform.PublishListingAsync(Samples.Draft(Region.Chongqing));
        var deadline = DateTime.UtcNow.AddSeconds(120);
        var cursor = start;
        while (true)
        {
            using var page = await platform.SendAsync(HttpMethod.Get, $"/api/v1/changes?cursor={cursor}&wait=10", key: feed);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var json = await page.Content.ReadFromJsonAsync<JsonElement>();
            cursor = json.GetProperty("nextCursor").GetString()!;
            if (json.GetProperty("items").EnumerateArray().Any(e => e.GetProperty("id").GetString() == id)) break;
            Assert.True(DateTime.UtcNow < deadline, "the feed showed the change made after the idle transaction began");
        }
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid));
    }

    /// <summary>Sends GETs until a 429; each before it is the endpoint's own answer. Returns the refusal's detail.</summary>
    private async Task<string> FloodAsync(string path, string? key, int budget)
    {
        for (var i = 0; i < budget + 30; i++)
        {
            using var response = await platform.SendAsync(HttpMethod.Get, path, key: key);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.InRange(int.Parse(response.Headers.RetryAfter!.ToString()), 1, 60);
                var text = await response.Content.ReadAsStringAsync();
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                return JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString()!;
            }
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound,
                $"{path}: {(int)response.StatusCode}");
        }
        Assert.Fail($"{path}: no 429 after {budget + 30} requests");
        return "";
    }

    private string PathOf(string endpoint) => endpoint switch
    {
        "read" => $"/api/v1/listings/{platform.PublishedId}",
        "search" => "/api/v1/listings/search?q=%E5%9C%B0%E9%93%81",
        "history" => $"/api/v1/listings/{platform.PublishedId}/history",
        _ => "/api/v1/changes?limit=1&wait=0",
    };

    private async Task<string> LastCursorAsync(string key)
    {
        string? cursor = null;
        while (true)
        {
            using var page = await platform.SendAsync(HttpMethod.Get, $"/api/v1/changes?limit=1000{(cursor is null ? "" : $"&cursor={cursor}")}", key: key);
            var json = await page.Content.ReadFromJsonAsync<JsonElement>();
            cursor = json.GetProperty("nextCursor").GetString()!;
            if (json.GetProperty("items").GetArrayLength() == 0) return cursor;
        }
    }

    private async Task<HttpResponseMessage> SendBatchAsync(string body, string key)
    {
        using var request = platform.Request(HttpMethod.Post, "/api/v1/sync/batch", body, key);
        return await platform.Http.SendAsync(request);
    }

    /// <summary>
    /// A batch sent by hand over a socket, chunked: its head goes at once, then whitespace trickles in (faster than
    /// the server's minimum data rate) until the test sends the tail, so the test knows what the server had read when
    /// it answered.
    /// </summary>
    private sealed class HeldBatch : IAsyncDisposable
    {
        private readonly TcpClient _client = new();
        private readonly CancellationTokenSource _trickle = new();
        private NetworkStream _stream = null!;
        private Task _trickling = Task.CompletedTask;

        public static async Task<HeldBatch> StartAsync(Uri api, string key, string head)
        {
            var batch = new HeldBatch();
            await batch._client.ConnectAsync(api.Host, api.Port);
            batch._stream = batch._client.GetStream();
            await batch.WriteAsync($"POST /api/v1/sync/batch HTTP/1.1\r\nHost: {api.Authority}\r\nX-Api-Key: {key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            await batch.ChunkAsync(head);
            batch._trickling = batch.TrickleAsync();
            return batch;
        }

        /// <summary>The status of the answer, read while the body is still being held.</summary>
        public async Task<int> StatusAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var received = new List<byte>();
            var buffer = new byte[4096];
            while (!Encoding.ASCII.GetString([.. received]).Contains("\r\n", StringComparison.Ordinal))
            {
                var read = await _stream.ReadAsync(buffer, timeout.Token);
                if (read == 0) throw new IOException("the server closed the connection without an answer");
                received.AddRange(buffer.AsSpan(0, read));
            }
            return int.Parse(Encoding.ASCII.GetString([.. received]).Split(' ')[1]);
        }

        /// <summary>Stops the trickle and sends the tail and the end of the body.</summary>
        public async Task FinishAsync(string tail)
        {
            await _trickle.CancelAsync();
            await _trickling;
            await ChunkAsync(tail);
            await WriteAsync("0\r\n\r\n");
        }

        private async Task TrickleAsync()
        {
            var blank = new string(' ', 1024);
            while (!_trickle.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), _trickle.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (_trickle.IsCancellationRequested) return;
                try
                {
                    await ChunkAsync(blank);
                }
                catch (IOException)
                {
                    return; // the server answered and closed the connection
                }
            }
        }

        private Task ChunkAsync(string data) => WriteAsync($"{Encoding.UTF8.GetByteCount(data):X}\r\n{data}\r\n");

        private async Task WriteAsync(string text)
        {
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));
            await _stream.FlushAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _trickle.CancelAsync();
            await _trickling;
            _client.Dispose();
            _trickle.Dispose();
        }
    }
}
