namespace BashuCloud.Cli.Mirror;

/// <summary>What `bashu mirror` was asked to do.</summary>
public sealed record MirrorOptions(
    Uri From, string FromKey, Uri To, string ToKey, string As, IReadOnlySet<string> ExcludedPlatforms, string StatePath, bool Once, int Limit)
{
    public const string FromKeyVariable = "BASHU_MIRROR_FROM_KEY";
    public const string ToKeyVariable = "BASHU_MIRROR_TO_KEY";
    public const int MaxLimit = 1000;

    public const string Usage = """
          mirror --from <url> --to <url> --as <platform> [--from-key <key>] [--to-key <key>]
                 [--exclude-platform <id>[,<id>…]]… [--state <file>] [--limit <1–1000>] [--once]
                                镜像另一个巴蜀科技云节点的已发布项目 (mirror another deployment's published listings)
            --from              源节点 API 地址 (the source deployment's API base URL)
            --from-key          源节点签发、带 changes:read 的密钥，或环境变量 BASHU_MIRROR_FROM_KEY (a source key with changes:read)
            --to                本地 API 地址 (the local API base URL)
            --to-key            本地联合管理员或相关地区管理员的密钥，或 BASHU_MIRROR_TO_KEY (a local administrator's key)
            --as                本地代表源节点的平台编号 (the local platform id that stands for the source)
            --exclude-platform  跳过源节点上该平台的项目：那是本节点被镜像过去的项目 (skip these source platforms: our own listings mirrored there)
            --state             游标文件 (cursor file; default $BASHU_STATE_DIR or .bashu, mirror-<as>.json)
            --limit             每页条数，默认 100 (feed entries per page, default 100)
            --once              追上变更流即退出；否则持续长轮询直到 Ctrl-C/SIGTERM (stop when caught up; otherwise follow until stopped)
        """;

    public static MirrorOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        var once = false;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--once")
            {
                once = true;
                continue;
            }
            if (name is not ("--from" or "--from-key" or "--to" or "--to-key" or "--as" or "--exclude-platform" or "--state" or "--limit"))
            {
                throw new UsageException($"未知参数 (unknown option): {name}");
            }
            if (i + 1 >= args.Count) throw new UsageException($"{name} 缺少取值 (needs a value)");
            var value = args[++i];
            if (name == "--exclude-platform") excluded.UnionWith(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            else values[name] = value;
        }

        var platform = Required(values, "--as", null, environment);
        var state = values.GetValueOrDefault("--state")
            ?? Path.Combine(environment("BASHU_STATE_DIR") is { Length: > 0 } dir ? dir : ".bashu", $"mirror-{platform}.json");
        return new(
            Url(Required(values, "--from", null, environment), "--from"), Required(values, "--from-key", FromKeyVariable, environment),
            Url(Required(values, "--to", null, environment), "--to"), Required(values, "--to-key", ToKeyVariable, environment),
            platform, excluded, state, once, PageLimit(values.GetValueOrDefault("--limit")));
    }

    private static string Required(Dictionary<string, string> values, string name, string? variable, Func<string, string?> environment) =>
        values.GetValueOrDefault(name) is { Length: > 0 } value ? value
        : variable is not null && environment(variable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : throw new UsageException(variable is null ? $"缺少 {name} (missing {name})" : $"缺少 {name} 或 {variable} (missing {name} or {variable})");

    private static Uri Url(string value, string name) => CommandLine.HttpUrl(value, name);

    private static int PageLimit(string? value) =>
        value is null ? 100
        : int.TryParse(value, out var limit) && limit is >= 1 and <= MaxLimit ? limit
        : throw new UsageException($"--limit 应在 1–{MaxLimit} 之间 (1 to {MaxLimit})");
}
