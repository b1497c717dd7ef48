using System.Text.Json;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Api.Statistics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BashuCloud.Cli.Statistics;

/// <summary>
/// `bashu stats export`: the joint statistics of both provinces, read from the database by the API's own query and
/// written as the API's CSV (GET /api/v1/stats/joint.csv, the dashboard's export) or JSON (GET /api/v1/stats/joint).
/// </summary>
public static class StatsCommand
{
    public static string Usage => $"""
        ./bashu stats export [--format csv|json] [--out <文件 file>]
          导出川渝联合统计：与 GET /api/v1/stats/joint（JSON）及管理后台导出的 joint.csv 同一组数字、同一格式
          (exports the joint statistics of both provinces: the same figures and format as GET /api/v1/stats/joint and the dashboard's joint.csv)
          --format  csv（默认；UTF-8 带 BOM，Excel 可直接打开）或 json (csv, the default, UTF-8 with BOM for Excel; or json)
          --out     写入文件；省略时写到 stdout (write to this file; default stdout)。--out 以 .json 结尾时默认 json (a .json file defaults to json)
          {Commands.DatabaseSetting}
          {Commands.ExitCodes}
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var line = CommandLine.Parse(args, "--format", "--out").AtMost(1);
        if (line.Argument(0) is not "export")
        {
            throw new UsageException(line.Positional.Count == 0 ? "缺少子命令 export (missing the subcommand: export)" : $"未知子命令 (unknown subcommand): {line.Positional[0]}");
        }
        var output = line.Get("--out");
        var format = line.OneOf("--format", "csv", "json") ?? (output?.EndsWith(".json", StringComparison.OrdinalIgnoreCase) == true ? "json" : "csv");

        await using var database = NpgsqlDataSource.Create(Database.Tuned(Commands.ConnectionString()));
        var queries = new StatisticsQueries(database, Options.Create(new ApiSettings { ServiceId = Commands.ServiceId() }));
        var statistics = await queries.JointAsync(new StatisticsFilter(null, null, null, null), StatisticsAudience.Operator, CancellationToken.None);
        var bytes = format == "csv" ? JointStatisticsCsv.Write(statistics) : JsonSerializer.SerializeToUtf8Bytes(statistics, BashuJson.Options);

        if (output is null)
        {
            await using var stdout = Console.OpenStandardOutput();
            await stdout.WriteAsync(bytes);
            return 0;
        }
        await File.WriteAllBytesAsync(output, bytes);
        Console.Error.WriteLine($"联合统计已写入 (joint statistics written to) {output}: 项目 {statistics.Listings.Total}、用户 {statistics.Users.Total}、交易 {statistics.Deals.Total} (listings, users, deals)");
        return 0;
    }
}
