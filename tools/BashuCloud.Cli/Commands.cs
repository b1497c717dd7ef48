using BashuCloud.Cli.Mirror;
using BashuCloud.Hosting;
using BashuCloud.Projections;
using BashuCloud.Schema;
using BashuCloud.Seeds;
using Npgsql;
using Orleans.Configuration;

namespace BashuCloud.Cli;

public static class Commands
{
    private static readonly string Usage = $$"""
        用法 (usage): BashuCloud.Cli <command>
          migrate               应用数据库结构 (apply the schema in deploy/sql)
          seed --data <dir>     载入种子数据 (load the seed data through the cluster)
          rebuild-read-model    不停机重建读模型 (rebuild the read model from grain state while the platform runs)
        {{MirrorOptions.Usage}}
        migrate、seed 与 rebuild-read-model 的连接串取自 BASHU_DB 或 ConnectionStrings__Bashu (migrate, seed and rebuild-read-model: the connection string comes from BASHU_DB or ConnectionStrings__Bashu)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            switch (args.FirstOrDefault())
            {
                case "migrate":
                    var applied = await Migrator.MigrateAsync(ConnectionString(), Console.Out);
                    Console.WriteLine(applied.Count == 0 ? "数据库结构已是最新 (schema up to date)" : $"已应用 {applied.Count} 个迁移 (applied {applied.Count} migrations)");
                    return 0;
                case "seed":
                    return await SeedAsync(Option(args, "--data") ?? "seeds/data");
                case "rebuild-read-model":
                    return await RebuildReadModelAsync();
                case "mirror":
                    return await MirrorCommand.RunAsync(args[1..]);
                default:
                    Console.Error.WriteLine(Usage);
                    return args.Length == 0 || args[0] is "help" or "--help" or "-h" ? 0 : 2;
            }
        }
        catch (Exception exception) when (exception is InvalidOperationException or NpgsqlException or IOException or System.Text.Json.JsonException)
        {
            Console.Error.WriteLine($"错误 (error): {exception.Message}");
            return 1;
        }
    }

    private static async Task<int> SeedAsync(string directory)
    {
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
        Console.WriteLine($"种子数据已载入 (seeds loaded): 新建平台 {report.PlatformsCreated}、用户 {report.UsersCreated}、房源 {report.ListingsCreated}，"
            + $"推进状态 {report.ListingsAdvanced}，已存在 {report.Existing} (created platforms/users/listings, advanced, existing)");
        return 0;
    }

    private static async Task<int> RebuildReadModelAsync()
    {
        await using var database = NpgsqlDataSource.Create(ConnectionString());
        Console.WriteLine("重建读模型：新表在旁填充，追上变更日志后一次切换 (rebuilding beside the live read model, then one swap)");
        await new ReadModelRebuild(database, ServiceId(), Console.Out).RunAsync();
        Console.WriteLine("读模型已切换为重建结果 (the rebuilt read model is live)");
        return 0;
    }

    private static string ServiceId() => Environment.GetEnvironmentVariable("Bashu__ServiceId") ?? "bashucloud";

    private static string ConnectionString() =>
        Environment.GetEnvironmentVariable("BASHU_DB") is { Length: > 0 } db ? db
        : Environment.GetEnvironmentVariable("ConnectionStrings__Bashu") is { Length: > 0 } cs ? cs
        : throw new InvalidOperationException("请设置 BASHU_DB (set BASHU_DB to a PostgreSQL connection string)");

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
