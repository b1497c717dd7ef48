using BashuCloud.Cli.Http;
using BashuCloud.Listings;

namespace BashuCloud.Cli.Import;

/// <summary>`bashu import`: exit code 0 when every row is in, 1 when a row was rejected or the run failed, 2 for a bad command line.</summary>
public static class ImportCommand
{
    public const string ApiUrlVariable = "BASHU_API_URL";
    public const string KeyVariable = "BASHU_API_KEY";
    public const string AdminKeyVariable = "BASHU_ADMIN_KEY";
    public const string DefaultApiUrl = "http://127.0.0.1:5080";

    public static string Usage => $$"""
        ./bashu import <文件 file> [--platform <id>] [--format json|csv] [--api <url>] [--key <key>]
          经 API 的批量同步接口导入项目，与合作平台同步同一套校验与写入；同一文件再导入不会新建或改动任何项目
          (imports listings through the API's sync batch endpoint, the partners' own validation and write path; importing the same file again changes nothing)
          --platform  项目所属平台，外部编号属于它；省略时取每行的 platformId (the listings' platform, whose external ids they are; default: each row's platformId)
          --format    json 或 csv，默认按扩展名 (json or csv; default: by the file's extension)
          --api       API 地址，或 BASHU_API_URL，默认 {{DefaultApiUrl}} (the API's base URL)
          --key       带 listings:write 的密钥（该平台的或管理员的），或 BASHU_API_KEY、BASHU_ADMIN_KEY (a key with listings:write: the platform's or an administrator's)
          JSON：项目数组，每项同 POST /api/v1/listings 的请求体，可另加 externalId；也可为同步批次的 items（{op, externalId, listing}）或整个批次（{partnerId, items}）
            (an array of listings as POST /api/v1/listings takes them, each with an optional externalId; or sync batch items; or a whole sync batch)
          CSV：UTF-8（有无 BOM 均可），首行表头，每列一个项目字段，列名同 JSON；keywords、dealTypes、owners 以 ; 或 ； 分隔，owners 每项为 名称:份额
            (UTF-8, with or without BOM; a header of listing fields named as in JSON; lists separated by ; or ；, an owner as name:share)
            列 (columns): {{ListingCsv.Columns}}
          无 externalId 的行以其内容的摘要为外部编号：原样再导入不变，内容改过则成为新项目
            (a row without externalId is keyed by its content: the same row again changes nothing, an edited row becomes a new listing)
          新建的项目是草稿 (new listings are drafts)。进度写到 stderr，汇总写到 stdout (progress on stderr, the summary on stdout)
          {{Commands.ExitCodes}}
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var line = CommandLine.Parse(args, "--platform", "--format", "--api", "--key").AtMost(1);
        var file = line.Argument(0) ?? throw new UsageException("缺少要导入的文件 (missing the file to import)");
        if (!File.Exists(file)) throw new UsageException($"文件不存在 (no such file): {file}");
        var format = line.OneOf("--format", "json", "csv") ?? FormatOf(file);
        var platform = line.Get("--platform");
        if (platform is not null && !ListingRules.IsPlatformId(platform)) throw new UsageException($"--platform 应为平台标识，如 kczg (a platform id such as kczg): {platform}");
        var api = CommandLine.HttpUrl(line.Get("--api") ?? Variable(ApiUrlVariable) ?? DefaultApiUrl, "--api");
        var key = line.Get("--key") ?? Variable(KeyVariable) ?? Variable(AdminKeyVariable)
            ?? throw new UsageException($"缺少密钥：--key、{KeyVariable} 或 {AdminKeyVariable} (missing the key: --key, {KeyVariable} or {AdminKeyVariable})");

        IReadOnlyList<ImportRow> rows;
        try
        {
            var bytes = await File.ReadAllBytesAsync(file);
            if (format == "csv")
            {
                rows = ListingCsv.Read(bytes, file);
            }
            else
            {
                (rows, var batchPlatform) = ListingFile.ReadJson(bytes, file);
                platform ??= batchPlatform;
            }
        }
        catch (ListingFileException bad)
        {
            Console.Error.WriteLine($"错误 (error): {bad.Message}");
            return 1;
        }

        var tally = new ImportTally { Read = rows.Count };
        var progress = ImportProgress.ForStandardError(rows.Count);
        using var client = new NodeClient(api, key, ("API", "API"), maxAttempts: 5, progress.Log);
        try
        {
            await new ListingImporter(client, progress).RunAsync(rows, platform, tally, CancellationToken.None);
        }
        catch (RunStoppedException stopped)
        {
            progress.EndBar();
            Console.Error.WriteLine($"错误，导入中止 (error, import stopped): {stopped.Message}");
            WriteSummary(file, tally, complete: false);
            return 1;
        }
        WriteSummary(file, tally, complete: true);
        return tally.Rejected.Count > 0 ? 1 : 0;
    }

    private static void WriteSummary(string file, ImportTally tally, bool complete)
    {
        Console.WriteLine(complete ? $"导入完成 (import done): {file}" : $"导入未完成 (import incomplete): {file}");
        Console.WriteLine($"  读取 (read)                          {tally.Read}");
        Console.WriteLine($"  新建 (created)                       {tally.Created}");
        Console.WriteLine($"  更新或未变 (updated or unchanged)    {tally.Updated}");
        if (tally.Withdrawn > 0) Console.WriteLine($"  撤下 (withdrawn)                     {tally.Withdrawn}");
        Console.WriteLine($"  拒绝 (rejected)                      {tally.Rejected.Count}");
        if (!complete) Console.WriteLine($"  未处理 (not sent)                    {tally.Read - tally.Created - tally.Updated - tally.Withdrawn - tally.Rejected.Count}");
        if (tally.Rejected.Count == 0) return;
        Console.WriteLine("被拒绝的行 (rejected rows):");
        foreach (var (where, reasons) in tally.Rejected) Console.WriteLine($"  {where}: {reasons}");
    }

    private static string FormatOf(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".json" => "json",
        ".csv" => "csv",
        _ => throw new UsageException($"无法从扩展名判断格式，请加 --format json 或 csv (cannot tell the format from the extension: add --format json or csv): {file}"),
    };

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
