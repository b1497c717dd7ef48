using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Api.Platforms;
using BashuCloud.Platforms;
using Npgsql;

namespace BashuCloud.Cli.Keys;

/// <summary>
/// `bashu keys`: API keys, through the API's own key store and rules (SHA-256 hashes only, a key shown once):
/// platforms' keys issued, any key listed or revoked. It needs only the database, not a running cluster or a key of its own: an operator with the database
/// can issue the first partner key before anything else runs, as `migrate` can. Platforms come from the directory
/// (the read model), so one registered a moment ago may need a second to appear.
/// </summary>
public static class KeysCommand
{
    public const string DefaultLabel = "bashu-cli";

    public static string Usage => $"""
        ./bashu keys issue --platform <id> --scopes <权限 scope>[,<scope>…] [--name <标签 label>]
        ./bashu keys list [--platform <id>]
        ./bashu keys revoke <密钥编号 key-id>
          签发平台的 API 密钥，列出、吊销任一密钥，规则与 API 相同 (issue platforms' API keys, list and revoke any key, as the API's key endpoints do)
          issue    签发一个密钥；密钥只显示这一次，只保存其哈希 (issues a key: shown this once, only its hash is kept)
            --platform  平台标识，如 kczg (the platform, such as kczg)
            --scopes    权限，逗号分隔 (scopes, comma-separated): {string.Join(", ", Scopes.All)}；admin 只签发给省级平台 (admin: provincial platforms only)
            --name      标签，说明密钥用在哪里，默认 {DefaultLabel} (a label saying where the key is used)
          list     列出密钥（从不显示密钥本身）；省略 --platform 时列出所有密钥：用户、管理员、平台和初始管理员的 (lists keys, never the keys themselves; without --platform every key: users', administrators', platforms' and the bootstrap one)
          revoke   立即吊销任一密钥，所有 API 进程即刻生效；再次吊销不变 (revokes any key at once, in every API process; revoking again changes nothing)
          {Commands.DatabaseSetting}
          {Commands.ExitCodes}
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var action = args.Count > 0 ? args[0] : null;
        string[] options = action switch
        {
            "issue" => ["--platform", "--scopes", "--name"],
            "list" => ["--platform"],
            "revoke" => [],
            null => throw new UsageException("缺少子命令 issue、list 或 revoke (missing the subcommand: issue, list or revoke)"),
            _ => throw new UsageException($"未知子命令 (unknown subcommand): {action}"),
        };
        var line = CommandLine.Parse(args.Skip(1).ToList(), options);
        await using var database = NpgsqlDataSource.Create(Database.Tuned(Commands.ConnectionString()));
        var keys = new ApiKeyStore(database, TimeProvider.System);
        var directory = new DirectoryQueries(database);
        return action switch
        {
            "issue" => await IssueAsync(line.AtMost(0), keys, directory),
            "list" => await ListAsync(line.AtMost(0).Get("--platform"), keys, directory),
            _ => await RevokeAsync(line.AtMost(1), keys),
        };
    }

    private static async Task<int> IssueAsync(CommandLine line, ApiKeyStore keys, DirectoryQueries directory)
    {
        var platformId = line.Get("--platform") ?? throw new UsageException("缺少 --platform (missing --platform)");
        var request = new KeyRequest(line.List("--scopes"), line.Get("--name")?.Trim() is { Length: > 0 } label ? label : DefaultLabel);
        if (await FindPlatformAsync(platformId, directory) is not { } platform) return NoSuchPlatform(platformId);
        var errors = PlatformKeyEndpoints.Validate(platform, request);
        if (errors.Count > 0)
        {
            throw new UsageException(string.Join("；", errors.Select(e => $"--{(e.Key == "label" ? "name" : e.Key)}: {string.Join("；", e.Value)}")));
        }
        var issued = await keys.IssueAsync(platform, [.. request.Scopes!.Distinct()], request.Label!, CancellationToken.None);
        Console.WriteLine($"已签发密钥 (key issued): {issued.Key.KeyId}  平台 (platform) {platform.Id}  权限 (scopes) {string.Join(",", issued.Key.Scopes)}  标签 (label) {issued.Key.Label}");
        Console.WriteLine("密钥只显示这一次，请妥善保存 (the key is shown this once: keep it safe):");
        Console.WriteLine(issued.ApiKey);
        return 0;
    }

    private static async Task<int> ListAsync(string? platformId, ApiKeyStore keys, DirectoryQueries directory)
    {
        if (platformId is not null && await FindPlatformAsync(platformId, directory) is null) return NoSuchPlatform(platformId);
        var listed = await keys.ListAllAsync(platformId, CancellationToken.None);
        Console.WriteLine($"{"密钥编号 key id",-24}{"主体 principal",-38}{"状态 state",-12}{"权限 scopes",-40}{"角色 role",-16}{"签发 created (UTC)",-22}{"标签 label"}");
        foreach (var (key, actor, _) in listed)
        {
            Console.WriteLine($"{key.KeyId,-24}{actor.PrincipalId,-38}{State(key),-12}{string.Join(",", key.Scopes),-40}{actor.Role,-16}{key.CreatedAt.UtcDateTime,-22:yyyy-MM-dd HH:mm:ss}{key.Label}");
        }
        Console.WriteLine($"共 {listed.Count} 个密钥 ({listed.Count} keys)");
        return 0;
    }

    /// <summary>Any key by its id: a platform's, a user's, an administrator's or the bootstrap key, as DELETE /api/v1/keys/{keyId} does.</summary>
    private static async Task<int> RevokeAsync(CommandLine line, ApiKeyStore keys)
    {
        var keyId = line.Argument(0) ?? throw new UsageException("缺少密钥编号，如 key_0123abcd… (missing the key id)");
        if (await keys.FindByIdAsync(keyId, CancellationToken.None) is not { } stored || await keys.RevokeAsync(null, keyId, CancellationToken.None) is not { } revoked)
        {
            Console.Error.WriteLine($"错误 (error): 没有密钥 {keyId} (no such key)");
            return 1;
        }
        Console.WriteLine($"已吊销密钥 (key revoked): {revoked.KeyId}  主体 (principal) {stored.Actor.PrincipalId}  吊销于 (revoked at) {revoked.RevokedAt!.Value.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");
        return 0;
    }

    private static string State(PlatformKey key) =>
        key.RevokedAt is not null ? "已吊销 revoked" : key.ExpiresAt is { } expires && expires <= DateTimeOffset.UtcNow ? "已过期 expired" : "有效 active";

    /// <summary>The platform as the key store takes it, from the directory.</summary>
    private static async Task<PlatformView?> FindPlatformAsync(string id, DirectoryQueries directory) =>
        (await directory.PlatformsAsync(CancellationToken.None)).FirstOrDefault(p => p.Id == id) is { } p
            ? new PlatformView(p.Id, p.Name, p.NameEn, p.Kind, p.HomeRegion, p.Url, p.Version, p.CreatedAt)
            : null;

    private static int NoSuchPlatform(string id)
    {
        Console.Error.WriteLine($"错误 (error): 平台 {id} 不存在，或刚注册尚未进入目录 (no such platform {id}, or registered a moment ago and not yet in the directory)");
        return 1;
    }
}
