using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BashuCloud.Listings;
using BashuCloud.Users;

namespace BashuCloud.Tests.Api;

/// <summary>
/// The admin CLI (`./bashu import | stats | keys`) as a real process against the platform's real processes and
/// PostgreSQL: what it writes is read back over HTTP, what it exports is compared with the API's answer.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class AdminCliTests(PlatformFixture platform) : IDisposable
{
    private static readonly JsonSerializerOptions Indented = new(BashuJson.Options) { WriteIndented = true };

    private readonly string _directory = Directory.CreateTempSubdirectory("bashu-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_json_file_imports_through_the_api_and_importing_it_again_changes_nothing()
    {
        await RegisterPartnerAsync("imp-json");
        var drafts = Enumerable.Range(0, 30).Select(i => Draft(i, "JSON")).ToList();
        // A third of the rows name their external id; the others are found again by their content.
        var items = new JsonArray([.. drafts.Select((draft, i) => WithExternalId(draft, i < 10 ? $"json-{i}" : null))]);
        var file = Write("listings.json", items.ToJsonString(Indented));

        var first = await RunCliAsync("import", file, "--platform", "imp-json");
        Assert.True(first.ExitCode == 0, first.Output);
        AssertCount(first.Stdout, "读取 (read)", 30);
        AssertCount(first.Stdout, "新建 (created)", 30);
        AssertCount(first.Stdout, "拒绝 (rejected)", 0);
        Assert.Contains("导入进度 (import progress): 30/30 (100%)", first.Stderr);

        var mapped = await MappedListingsAsync("imp-json");
        var titles = new List<string>();
        foreach (var id in mapped.Values)
        {
            var listing = await GetAsync($"/api/v1/listings/{id}");
            Assert.Equal(("Draft", "imp-json"), (listing.GetProperty("status").GetString(), listing.GetProperty("platformId").GetString()));
            titles.Add(listing.GetProperty("title").GetString()!);
        }
        Assert.Equal(drafts.Select(d => d.Title!).Order(), titles.Order());
        Assert.Equal(drafts[3].Title, (await GetAsync("/api/v1/partners/imp-json/listings/json-3")).GetProperty("title").GetString());

        await AssertImportingAgainChangesNothingAsync("imp-json", 30, "import", file, "--platform", "imp-json");
    }

    [Fact]
    public async Task A_utf8_csv_with_a_bom_quoted_cells_and_full_width_list_separators_imports_and_again_changes_nothing()
    {
        await RegisterPartnerAsync("imp-csv");
        var file = Write("listings.csv", "\uFEFF" + """
            externalId,kind,region,platformId,title,summary,field,trl,dealTypes,priceModel,priceAmountCny,owners,city,keywords,expiresOn
            csv-1,Achievement,sichuan,imp-csv,"川渝氢能储运成果，第一号, 含逗号","第一段简介。
            第二段，含 ""引号""。",NewEnergy,6,Transfer；NonExclusiveLicence,Fixed,800000,西南交通大学:70；成都天府新材料有限公司：30,成都,氢能；储能;电池,2028-06-30
            csv-2,Demand,chongqing,imp-csv,重庆智能网联汽车测试需求,征集车路协同测试方案,IntelligentVehicles,4,JointDevelopment,Negotiable,,重庆长安汽车股份有限公司:100,重庆,车路协同,
            ,Service,sichuan,imp-csv,检验检测服务,CNAS 认可实验室提供材料检测,AdvancedMaterials,9,Service,Free,,四川省检验检测院:100,绵阳,,

            """.ReplaceLineEndings("\r\n"));

        var first = await RunCliAsync("import", file);
        Assert.True(first.ExitCode == 0, first.Output);
        AssertCount(first.Stdout, "新建 (created)", 3);
        var listing = await GetAsync("/api/v1/partners/imp-csv/listings/csv-1");
        Assert.Equal("川渝氢能储运成果，第一号, 含逗号", listing.GetProperty("title").GetString());
        Assert.Equal("第一段简介。\r\n第二段，含 \"引号\"。", listing.GetProperty("summary").GetString());
        Assert.Equal(["氢能", "储能", "电池"], Strings(listing.GetProperty("keywords")));
        Assert.Equal(["Transfer", "NonExclusiveLicence"], Strings(listing.GetProperty("dealTypes")));
        Assert.Equal(["西南交通大学 70", "成都天府新材料有限公司 30"],
            listing.GetProperty("owners").EnumerateArray().Select(o => $"{o.GetProperty("name").GetString()} {o.GetProperty("share").GetDecimal()}"));
        Assert.Equal(800000m, listing.GetProperty("priceAmountCny").GetDecimal());
        Assert.Equal("IntelligentVehicles", (await GetAsync("/api/v1/partners/imp-csv/listings/csv-2")).GetProperty("field").GetString());

        await AssertImportingAgainChangesNothingAsync("imp-csv", 3, "import", file, "--format", "csv");
    }

    [Fact]
    public async Task Bad_csv_rows_are_reported_by_line_with_the_api_reasons_exit_code_1_and_the_good_rows_are_in()
    {
        await RegisterPartnerAsync("imp-bad");
        // The first row's summary spans two lines, so the rows after it start one line further down.
        var file = Write("bad.csv", """
            externalId,kind,region,title,summary,field,trl,dealTypes,priceModel,owners,city
            good-1,Achievement,sichuan,好的成果一,"跨两行的
            简介",NewEnergy,5,Transfer,Negotiable,四川大学:100,成都
            bad-1,Achievement,sichuan,,缺标题,NewEnergy,5,Transfer,Negotiable,四川大学:100,成都
            good-2,Achievement,chongqing,好的成果二,简介,Biomedicine,3,Equity,Negotiable,重庆大学:100,重庆
            bad-2,Achievement,sichuan,技术成熟度写成汉字,简介,NewEnergy,十,Transfer,Negotiable,四川大学:100,成都
            bad-3,Spaceship,sichuan,未知类型,简介,NewEnergy,5,Transfer,Negotiable,四川大学:100,成都
            bad-4,Achievement,sichuan,份额不足,简介,NewEnergy,5,Transfer,Negotiable,四川大学:60；电子科技大学:30,成都

            """);

        var run = await RunCliAsync("import", file, "--platform", "imp-bad");
        Assert.True(run.ExitCode == 1, run.Output);
        AssertCount(run.Stdout, "新建 (created)", 2);
        AssertCount(run.Stdout, "拒绝 (rejected)", 4);
        Assert.Contains("第 4 行 (line 4): title: 不能为空 (must not be empty)", run.Stdout);
        Assert.Contains("第 6 行 (line 6): trl: 值无法读取", run.Stdout);
        Assert.Contains("第 7 行 (line 7): kind: 值无法读取", run.Stdout);
        Assert.Contains("第 8 行 (line 8): owners: 份额之和应为 100 (shares must sum to 100)", run.Stdout);
        Assert.Equal("好的成果一", (await GetAsync("/api/v1/partners/imp-bad/listings/good-1")).GetProperty("title").GetString());
        Assert.Equal("好的成果二", (await GetAsync("/api/v1/partners/imp-bad/listings/good-2")).GetProperty("title").GetString());
        Assert.Equal(["imp-bad/good-1", "imp-bad/good-2"], (await MappedListingsAsync("imp-bad")).Keys.Order());
    }

    [Fact]
    public async Task A_bad_json_item_is_reported_by_its_number_and_line()
    {
        await RegisterPartnerAsync("imp-badjson");
        string[] items =
        [
            JsonSerializer.Serialize(Draft(1, "坏JSON"), BashuJson.Options),
            JsonSerializer.Serialize(Draft(2, "坏JSON"), BashuJson.Options).Replace("\"trl\":3", "\"trl\":\"九\"", StringComparison.Ordinal),
            JsonSerializer.Serialize(Draft(3, "坏JSON") with { City = null }, BashuJson.Options),
        ];
        var file = Write("bad.json", "[\n  " + string.Join(",\n  ", items) + "\n]\n");

        var run = await RunCliAsync("import", file, "--platform", "imp-badjson");
        Assert.True(run.ExitCode == 1, run.Output);
        AssertCount(run.Stdout, "新建 (created)", 1);
        Assert.Contains("第 2 项，第 3 行 (item 2, line 3): trl: 值无法读取", run.Stdout);
        Assert.Contains("第 3 项，第 4 行 (item 3, line 4): city: 不能为空 (must not be empty)", run.Stdout);
    }

    [Fact]
    public async Task A_missing_file_or_a_bad_option_is_a_command_line_error_with_exit_code_2()
    {
        var missing = Path.Combine(_directory, "不存在.json");
        var noFile = await RunCliAsync("import", missing);
        Assert.Equal(2, noFile.ExitCode);
        Assert.Contains($"文件不存在 (no such file): {missing}", noFile.Stderr);

        var file = Write("empty.json", "[]");
        var unknown = await RunCliAsync("import", file, "--frobnicate", "1");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("未知参数 (unknown option): --frobnicate", unknown.Stderr);
        Assert.Contains("./bashu import", unknown.Stderr);

        var format = await RunCliAsync("stats", "export", "--format", "xml");
        Assert.Equal(2, format.ExitCode);
        Assert.Contains("--format 应为 csv 或 json (must be csv or json): xml", format.Stderr);

        var command = await RunCliAsync("frobnicate");
        Assert.Equal(2, command.ExitCode);
        Assert.Contains("未知命令 (unknown command): frobnicate", command.Stderr);

        var help = await RunCliAsync("import", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("列 (columns): externalId,kind,region,platformId,title", help.Stdout);
    }

    [Fact]
    public async Task Stats_export_equals_the_api_joint_statistics_as_json_and_as_csv()
    {
        await platform.WaitForReadModelCaughtUpAsync();
        var json = Path.Combine(_directory, "joint.json");
        var csv = Path.Combine(_directory, "joint.csv");
        var exportJson = await RunCliAsync("stats", "export", "--out", json);
        Assert.True(exportJson.ExitCode == 0, exportJson.Output);
        var exportCsv = await RunCliAsync("stats", "export", "--format", "csv", "--out", csv);
        Assert.True(exportCsv.ExitCode == 0, exportCsv.Output);

        using var apiJson = await platform.SendAsync(HttpMethod.Get, "/api/v1/stats/joint");
        Assert.Equal(HttpStatusCode.OK, apiJson.StatusCode);
        Assert.Equal(WithoutAsOf(JsonNode.Parse(await apiJson.Content.ReadAsStringAsync())), WithoutAsOf(JsonNode.Parse(await File.ReadAllTextAsync(json))));

        using var apiCsv = await platform.SendAsync(HttpMethod.Get, "/api/v1/stats/joint.csv");
        Assert.Equal(HttpStatusCode.OK, apiCsv.StatusCode);
        var (expected, actual) = (await apiCsv.Content.ReadAsByteArrayAsync(), await File.ReadAllBytesAsync(csv));
        Assert.True(actual.AsSpan().StartsWith(Encoding.UTF8.Preamble), "the CSV starts with a byte order mark");
        Assert.Equal(CsvWithoutAsOf(expected), CsvWithoutAsOf(actual));
        Assert.True(CsvWithoutAsOf(actual).Length > 2, "the export has figures");
    }

    [Fact]
    public async Task A_key_issued_by_the_cli_authenticates_and_after_revoke_is_refused()
    {
        await RegisterPartnerAsync("imp-keys");
        await platform.WaitForReadModelCaughtUpAsync();
        var issued = await RunCliAsync("keys", "issue", "--platform", "imp-keys", "--scopes", "listings:read,listings:write", "--name", "命令行测试");
        Assert.True(issued.ExitCode == 0, issued.Output);
        var key = Regex.Match(issued.Stdout, @"^bkp_\S+$", RegexOptions.Multiline).Value;
        var keyId = Regex.Match(issued.Stdout, @"key_[0-9a-f]{16}").Value;
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM api_key WHERE key_id = $1 AND platform_id = 'imp-keys' AND key_hash = sha256(convert_to($2, 'UTF8'))", keyId, key));

        using (var pushed = await PushAsync(key)) Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        var listed = await RunCliAsync("keys", "list", "--platform", "imp-keys");
        Assert.Matches($@"{keyId}\s+imp-keys\s+有效 active\s+listings:read,listings:write", listed.Stdout);

        var revoked = await RunCliAsync("keys", "revoke", keyId);
        Assert.True(revoked.ExitCode == 0, revoked.Output);
        using (var refused = await PushAsync(key)) Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("已吊销 revoked", (await RunCliAsync("keys", "list")).Stdout);

        var badScope = await RunCliAsync("keys", "issue", "--platform", "imp-keys", "--scopes", "listings:fly");
        Assert.Equal(2, badScope.ExitCode);
        Assert.Contains("--scopes: 未知权限 listings:fly", badScope.Stderr);
        var unknownKey = await RunCliAsync("keys", "revoke", "key_0000000000000000");
        Assert.Equal(1, unknownKey.ExitCode);
        Assert.Contains("没有密钥 key_0000000000000000 (no such key)", unknownKey.Stderr);
    }

    [Fact]
    public async Task A_users_key_is_listed_and_revoked_by_its_id_like_a_platforms()
    {
        var (userId, key) = await platform.RegisterAsync("命令行吊销研究员", UserRole.Researcher, Region.Chongqing);
        var keyId = await platform.Database.ScalarAsync<string>("SELECT key_id FROM api_key WHERE principal_id = $1", userId);
        var listed = await RunCliAsync("keys", "list");
        Assert.Matches($@"{keyId}\s+{userId}\s+有效 active", listed.Stdout);
        Assert.Matches(@"key_[0-9a-f]{16}\s+admin\s+有效 active", listed.Stdout);

        var revoked = await RunCliAsync("keys", "revoke", keyId);
        Assert.True(revoked.ExitCode == 0, revoked.Output);
        Assert.Contains(userId, revoked.Stdout);
        using var refused = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", Samples.Draft(Region.Chongqing), key);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    /// <summary>Runs the same import again: nothing is created, every row is found, no listing gets a new version.</summary>
    private async Task AssertImportingAgainChangesNothingAsync(string platformId, int rows, params string[] import)
    {
        var mapped = await MappedListingsAsync(platformId);
        Assert.Equal(rows, mapped.Count);
        var versions = await VersionsAsync(mapped.Values);
        var again = await RunCliAsync(import);
        Assert.True(again.ExitCode == 0, again.Output);
        AssertCount(again.Stdout, "新建 (created)", 0);
        AssertCount(again.Stdout, "更新或未变 (updated or unchanged)", rows);
        Assert.Equal(mapped, await MappedListingsAsync(platformId));
        Assert.Equal(versions, await VersionsAsync(mapped.Values));
    }

    private Task<HttpResponseMessage> PushAsync(string key) =>
        platform.SendAsync(HttpMethod.Put, "/api/v1/partners/imp-keys/listings/key-test-1", Draft(0, "密钥"), key);

    private static ListingDraft Draft(int i, string tag) => Samples.Draft(i % 2 == 0 ? Region.Sichuan : Region.Chongqing) with
    {
        PlatformId = null,
        Title = $"{tag} 导入测试成果 {i} (imported listing {i})",
        Keywords = ["导入", $"k{i}"],
        Trl = 1 + i % 9,
    };

    private static JsonNode WithExternalId(ListingDraft draft, string? externalId)
    {
        var item = JsonSerializer.SerializeToNode(draft, BashuJson.Options)!.AsObject();
        if (externalId is not null) item["externalId"] = externalId;
        return item;
    }

    private async Task RegisterPartnerAsync(string id)
    {
        using var response = await platform.SendAsync(HttpMethod.Put, $"/api/v1/platforms/{id}", new { name = $"导入测试平台 {id}", kind = "Partner", homeRegion = "sichuan" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The platform's external ids ("platform/external id") and the listings they stand for, as stored.</summary>
    private async Task<Dictionary<string, string>> MappedListingsAsync(string platformId)
    {
        var rows = await platform.Database.ScalarAsync<string>(
            "SELECT coalesce(string_agg(grain_key || '=' || (payload->>'listingId'), ',' ORDER BY grain_key), '') FROM grain_state WHERE state_name = 'external-listing' AND grain_key LIKE $1",
            platformId + "/%");
        return rows.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => r.Split('=')).ToDictionary(r => r[0], r => r[1]);
    }

    private async Task<string> VersionsAsync(IEnumerable<string> listingIds) =>
        await platform.Database.ScalarAsync<string>(
            "SELECT string_agg(grain_key || ':' || (payload->>'version'), ',' ORDER BY grain_key) FROM grain_state WHERE state_name = 'listing' AND grain_key = ANY($1)",
            (object)listingIds.ToArray());

    private static void AssertCount(string output, string label, int count) =>
        Assert.Matches(new Regex($@"{Regex.Escape(label)}\s+{count}\b"), output);

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>The figures without their as-of times, which are "now" when the read model is caught up.</summary>
    private static string WithoutAsOf(JsonNode? node)
    {
        void Strip(JsonNode? n)
        {
            if (n is JsonObject o)
            {
                o.Remove("asOf");
                foreach (var (_, child) in o) Strip(child);
            }
            else if (n is JsonArray a)
            {
                foreach (var child in a) Strip(child);
            }
        }
        Strip(node);
        return node!.ToJsonString();
    }

    private static string[] CsvWithoutAsOf(byte[] csv) =>
        [.. Encoding.UTF8.GetString(csv).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(row => row[..row.LastIndexOf(',')])];

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    private sealed record CliRun(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => $"exit {ExitCode}\n--- stdout:\n{Stdout}\n--- stderr:\n{Stderr}";
    }

    /// <summary>Runs the built CLI against this platform's database and API, as ./bashu does; stdout and stderr apart.</summary>
    private async Task<CliRun> RunCliAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Repository.CliDll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["BASHU_DB"] = platform.Database.ConnectionString;
        start.Environment["BASHU_API_URL"] = platform.Http.BaseAddress!.ToString();
        start.Environment["BASHU_ADMIN_KEY"] = PlatformProcesses.AdminKey;
        start.Environment.Remove("BASHU_API_KEY");
        start.Environment["DOTNET_gcServer"] = "0";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bashu {string.Join(' ', args)} did not end: {await stdout}{await stderr}");
        }
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }
}
