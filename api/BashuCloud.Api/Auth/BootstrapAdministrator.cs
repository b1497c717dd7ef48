using System.Text.RegularExpressions;
using BashuCloud.Users;

namespace BashuCloud.Api.Auth;

/// <summary>
/// The first key of a deployment: the joint administrator of both provinces, from BASHU_ADMIN_KEY (or Bashu:AdminKey).
/// It is decided before anything starts: outside Development a missing, placeholder or guessable key stops the process
/// with a message saying why (never the key itself). In Development a missing key is generated and written to a file
/// only its owner can read, whose path is logged: no key is ever written to a log.
/// </summary>
public sealed partial record BootstrapKey(string Key, string? GeneratedInto)
{
    public const string Variable = "BASHU_ADMIN_KEY";
    public const int MinLength = 24;

    /// <summary>
    /// Estimated bits below which a key is refused as guessable. The estimate is rough and low: 32 random hex digits
    /// (128 bits) score 54 or more, 24 random base64 characters 65 or more.
    /// </summary>
    public const int MinBits = 48;

    /// <summary>The bootstrap key of this process, or an exception whose message says what is wrong with the setting.</summary>
    public static BootstrapKey Resolve(IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = configuration[Variable] is { Length: > 0 } fromEnvironment ? fromEnvironment : configuration["Bashu:AdminKey"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Weakness(configured) is { } weakness
                ? throw new InvalidOperationException($"{Variable} 不可用：{weakness}。请生成随机密钥，如 openssl rand -base64 30 (generate a random key, e.g. openssl rand -base64 30)")
                : new BootstrapKey(configured, null);
        }
        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"未设置 {Variable}：开发环境之外 API 不会自行生成管理员密钥 ({Variable} is not set: outside Development the API does not make up the bootstrap administrator's key; set a random one, e.g. openssl rand -base64 30)");
        }
        return Generated();
    }

    /// <summary>Why a key may not be the bootstrap key, in Chinese and English; null when it may.</summary>
    public static string? Weakness(string key)
    {
        if (Placeholder().IsMatch(key)) return "示例占位符，不是密钥 (a placeholder from an example, not a key)";
        if (key.Length < MinLength) return $"至少 {MinLength} 个字符 (at least {MinLength} characters)";
        if (EstimatedBits(ConventionalPrefix().Replace(key, "")) < MinBits) return "过于简单，易被猜中：重复、连续或字符种类太少 (too easy to guess: repeated, sequential or too few kinds of characters)";
        return null;
    }

    /// <summary>
    /// A rough, conservative strength: characters a guesser would not predict from the one before (not a repeat, not
    /// the next or previous character, not a pair seen earlier) times the bits of the key's own alphabet.
    /// </summary>
    public static double EstimatedBits(string key)
    {
        var pairs = new HashSet<(char, char)>();
        var surprising = key.Length > 0 ? 1 : 0;
        for (var i = 1; i < key.Length; i++)
        {
            var (before, c) = (key[i - 1], key[i]);
            var predictable = c == before || Math.Abs(c - before) == 1 || pairs.Contains((before, c));
            pairs.Add((before, c));
            if (!predictable) surprising++;
        }
        return surprising * Math.Log2(Math.Max(2, key.Distinct().Count()));
    }

    /// <summary>
    /// In Development only: the key kept in the user's own data directory (~/.local/share/bashucloud, never a shared
    /// temporary one where another user could plant a link), made on the first start and kept for the next.
    /// </summary>
    private static BootstrapKey Generated()
    {
        var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        if (data.Length == 0) throw new InvalidOperationException($"未设置 {Variable}，且没有用户数据目录可存放生成的密钥 ({Variable} is not set and there is no user data directory (HOME) to keep a generated key in)");
        var directory = Path.Combine(data, "bashucloud");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "dev-admin-key");
        if (File.Exists(path) && File.ReadAllText(path).Trim() is var kept && Weakness(kept) is null) return new BootstrapKey(kept, path);
        var key = ApiKeyStore.NewKey("bk_admin");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new StreamWriter(path, options)) file.WriteLine(key);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new BootstrapKey(key, path);
    }

    /// <summary>A readable prefix such as "bk_admin_" tells a guesser nothing: only what follows it counts.</summary>
    [GeneratedRegex("^(?:[a-z]+_)+", RegexOptions.CultureInvariant)]
    private static partial Regex ConventionalPrefix();

    [GeneratedRegex(@"change_?me|replace|example|placeholder|your_|xxxx|…|\.\.\.", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}

/// <summary>Records the bootstrap key at start (idempotent); logs its key id, and where a generated key was written, never the key.</summary>
internal sealed partial class BootstrapAdministrator(ApiKeyStore keys, BootstrapKey bootstrap, ILogger<BootstrapAdministrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var keyId = await keys.SaveAsync(bootstrap.Key, new Actor(ApiKeyStore.BootstrapPrincipal, UserRole.Administrator, null), "bootstrap administrator", cancellationToken);
        if (bootstrap.GeneratedInto is { } path) LogGenerated(path, keyId);
        if (await keys.FindByIdAsync(keyId, cancellationToken) is { Key.RevokedAt: not null }) LogRevoked(keyId);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "BASHU_ADMIN_KEY is not set (Development): the bootstrap administrator's key {KeyId} is in {Path}")]
    private partial void LogGenerated(string path, string keyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The bootstrap administrator's key {KeyId} (BASHU_ADMIN_KEY) has been revoked: it opens nothing; set a new one")]
    private partial void LogRevoked(string keyId);
}
