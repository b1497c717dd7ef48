using System.Text.Json;
using BashuCloud.Cli.Import;
using BashuCloud.Cli.Keys;
using BashuCloud.Cli.Mirror;
using BashuCloud.Cli.Statistics;
using BashuCloud.Hosting;
using BashuCloud.Projections;
using BashuCloud.Schema;
using BashuCloud.Seeds;
using Npgsql;
using Orleans.Configuration;

namespace BashuCloud.Cli;

/// <summary>A command of the CLI: its name, one line for the overview, its full help, and what it runs.</summary>
public sealed record Command(string Name, string Summary, string Usage, Func<IReadOnlyList<string>, Task<int>> RunAsync);

/// <summary>Exit codes: 0 done, 1 failed at run time (database unreachable, rows rejected…), 2 a bad command line.</summary>
public static class Commands
{
    public const string ExitCodes = "退出码 (exit codes): 0 成功 (success)；1 运行失败，如数据库无法访问、有行被拒绝 (failed at run time: database unreachable, rows rejected…)；2 命令行有误 (bad command line)";

    public const string DatabaseSetting = "数据库连接串取自 BASHU_DB 或 ConnectionStrings__Bashu (the PostgreSQL connection string comes from BASHU_DB or ConnectionStrings__Bashu)";

    private static readonly Command[] All =
    [
        new("migrate", "应用数据库结构 (apply the schema in deploy/sql)", $"""
            ./bashu migrate
              把 deploy/sql 中尚未应用的迁移依次应用到数据库；可重复运行 (applies the migrations of deploy/sql not applied yet; safe to run again)
              {DatabaseSetting}
            """, MigrateAsync),
        new("seed", "载入种子数据 (load the seed data through the cluster)", $"""
            ./bashu seed [--data <dir>]
              通过集群载入种子数据：平台、用户、项目与院士名单；已存在的跳过 (loads the seed data through the cluster; what exists is skipped)
              --data   种子数据目录，默认 seeds/data (the seed data directory)
              {DatabaseSetting}；集群须在运行 (the cluster must be running)
            """, SeedAsync),
        new("rebuild-read-model", "不停机重建读模型 (rebuild the read model while the platform runs)", $"""
            ./bashu rebuild-read-model
              新表在旁由 grain 状态填充，追上变更日志后一次切换；API 照常读旧表 (fills new tables from grain state beside the live ones, then swaps once)
              {DatabaseSetting}
            """, RebuildReadModelAsync),
        new("mirror", "镜像另一个节点的已发布项目 (mirror another deployment's published listings)", MirrorOptions.Usage, MirrorCommand.RunAsync),
        new("import", "导入项目 JSON 或 CSV 文件 (import a JSON or CSV file of listings)", ImportCommand.Usage, ImportCommand.RunAsync),
        new("stats", "导出川渝联合统计 (export the joint statistics of both provinces)", StatsCommand.Usage, StatsCommand.RunAsync),
        new("keys", "签发、列出、吊销平台密钥 (issue, list and revoke platforms' API keys)", KeysCommand.Usage, KeysCommand.RunAsync),
    ];

    public static string Overview => $"""
        巴蜀科技云管理命令 (BashuCloud admin CLI)
        用法 (usage): ./bashu <命令> [参数]   (./bashu <command> [options])
                      ./bashu <命令> --help   该命令的说明 (a command's help)

        {string.Join("\n", All.Select(c => $"  {c.Name,-20}{c.Summary}"))}

        {DatabaseSetting}
        {ExitCodes}
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var name = args.FirstOrDefault();
        if (name is null or "help" or "--help" or "-h")
        {
            var topic = args.Length > 1 ? All.FirstOrDefault(c => c.Name == args[1]) : null;
            Console.WriteLine(topic?.Usage ?? Overview);
            return 0;
        }
        if (All.FirstOrDefault(c => c.Name == name) is not { } command)
        {
            Console.Error.WriteLine($"错误 (error): 未知命令 (unknown command): {name}\n\n{Overview}");
            return 2;
        }
        if (args.Skip(1).Any(a => a is "--help" or "-h"))
        {
            Console.WriteLine(command.Usage);
            return 0;
        }
        try
        {
            return await command.RunAsync(args[1..]);
        }
        catch (UsageException usage)
        {
            Console.Error.WriteLine($"错误 (error): {usage.Message}\n用法 (usage):\n{command.Usage}");
            return 2;
        }
        catch (Exception exception) when (Describe(exception) is { } message)
        {
            Console.Error.WriteLine($"错误 (error): {message}");
            return 1;
        }
    }

    /// <summary>What to tell the operator about a failure at run time; null for a bug, which should show its stack.</summary>
    private static string? Describe(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.UndefinedTable } missing =>
            $"数据库缺少表，请先运行 ./bashu migrate (a table is missing: run ./bashu migrate first): {missing.MessageText}",
        PostgresException postgres => $"数据库报错 (the database refused): {postgres.MessageText}",
        NpgsqlException database => $"无法访问数据库 (cannot reach the database): {database.Message}",
        HttpRequestException http => $"无法访问 API (cannot reach the API): {http.Message}",
        InvalidOperationException or IOException or JsonException or UnauthorizedAccessException => exception.Message,
        _ => null,
    };

    private static async Task<int> MigrateAsync(IReadOnlyList<string> args)
    {
        CommandLine.Parse(args).AtMost(0);
        var applied = await Migrator.MigrateAsync(ConnectionString(), Console.Out);
        Console.WriteLine(applied.Count == 0 ? "数据库结构已是最新 (schema up to date)" : $"已应用 {applied.Count} 个迁移 (applied {applied.Count} migrations)");
        return 0;
    }

    private static async Task<int> SeedAsync(IReadOnlyList<string> args)
    {
        var directory = CommandLine.Parse(args, "--data").AtMost(0).Get("--data") ?? "seeds/data";
        var data = SeedData.Load(directory);
        var connectionString = ConnectionString();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = Environment.GetEnvironmentVariable("Bashu__ClusterId") ?? "bashu";
                cluster.ServiceId = ServiceId();
            });
            client.UseBashuTls();
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
            });
        });
        using var host = builder.Build();
        await host.StartAsync();
        var report = await new SeedLoader(host.Services.GetRequiredService<IGrainFactory>()).LoadAsync(data);
        await using (var database = NpgsqlDataSource.Create(connectionString))
        {
            await SeedLoader.LoadAcademicListsAsync(database, data);
        }
        await host.StopAsync();
        Console.WriteLine($"种子数据已载入 (seeds loaded): 新建平台 {report.PlatformsCreated}、用户 {report.UsersCreated}、项目 {report.ListingsCreated}，"
            + $"推进状态 {report.ListingsAdvanced}，已存在 {report.Existing} (created platforms/users/listings, advanced, existing)");
        return 0;
    }

    private static async Task<int> RebuildReadModelAsync(IReadOnlyList<string> args)
    {
        CommandLine.Parse(args).AtMost(0);
        await using var database = NpgsqlDataSource.Create(ConnectionString());
        Console.WriteLine("重建读模型：新表在旁填充，追上变更日志后一次切换 (rebuilding beside the live read model, then one swap)");
        await new ReadModelRebuild(database, ServiceId(), Console.Out).RunAsync();
        Console.WriteLine("读模型已切换为重建结果 (the rebuilt read model is live)");
        return 0;
    }

    public static string ServiceId() => Environment.GetEnvironmentVariable("Bashu__ServiceId") ?? "bashucloud";

    public static string ConnectionString() =>
        Environment.GetEnvironmentVariable("BASHU_DB") is { Length: > 0 } db ? db
        : Environment.GetEnvironmentVariable("ConnectionStrings__Bashu") is { Length: > 0 } cs ? cs
        : throw new InvalidOperationException("请设置 BASHU_DB (set BASHU_DB to a PostgreSQL connection string)");
}
