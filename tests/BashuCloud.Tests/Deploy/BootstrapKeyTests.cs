using System.Text.RegularExpressions;
using BashuCloud.Api.Auth;

namespace BashuCloud.Tests.Deploy;

/// <summary>
/// The bootstrap administrator's key (BASHU_ADMIN_KEY): required outside Development, and never a placeholder from our
/// own examples or a guessable string; a refusal stops the API at start, saying why and never echoing the key.
/// </summary>
public sealed partial class BootstrapKeyTests
{
    private static readonly string[] ExampleFolders = ["deploy", "docs"];

    [Fact]
    public async Task Outside_development_the_api_refuses_to_start_without_a_bootstrap_key()
    {
        var output = await FailedStart.RunAsync(Repository.ApiDll, new() { [BootstrapKey.Variable] = "" });
        Assert.Contains("未设置 BASHU_ADMIN_KEY", output, StringComparison.Ordinal);
        Assert.Contains("openssl rand", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CHANGE_ME_bk_admin_at_least_16_chars", "示例占位符")]
    [InlineData("bk_admin_0123456789abcdefghijklmn", "过于简单")]
    public async Task A_placeholder_or_guessable_bootstrap_key_stops_the_start_without_being_echoed(string key, string reason)
    {
        var output = await FailedStart.RunAsync(Repository.ApiDll, new() { [BootstrapKey.Variable] = key });
        Assert.Contains($"BASHU_ADMIN_KEY 不可用：{reason}", output, StringComparison.Ordinal);
        Assert.DoesNotContain(key, output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_example_key_in_deploy_and_docs_is_refused()
    {
        var examples = ExampleFolders.SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Repository.Root, folder), "*", SearchOption.AllDirectories))
            .Where(file => !file.Contains("/bin/", StringComparison.Ordinal) && !file.Contains("/obj/", StringComparison.Ordinal))
            .Append(Path.Combine(Repository.Root, "README.md"))
            .Append(Path.Combine(Repository.Root, "api", "BashuCloud.Api", "BashuCloud.Api.http"))
            .SelectMany(file => ExampleKey().Matches(File.ReadAllText(file)).Select(m => (file, key: m.Groups["key"].Value)))
            .ToList();

        Assert.True(examples.Count >= 4, string.Join("\n", examples));
        Assert.All(examples, example => Assert.True(BootstrapKey.Weakness(example.key) is not null, $"{example.file}: {example.key} would be accepted"));
    }

    [Theory]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("abababababababababababababababab")]
    [InlineData("passwordpassword12345678")]
    [InlineData("hunter2hunter2hunter2hunter2")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("Z72g2jQoMZVqHVk0Dgf")]
    [InlineData("REPLACE")]
    public void Short_repeated_or_sequential_keys_are_refused(string key) => Assert.NotNull(BootstrapKey.Weakness(key));

    [Fact]
    public void Random_keys_and_the_tests_own_keys_are_accepted()
    {
        for (var i = 0; i < 100; i++) Assert.Null(BootstrapKey.Weakness(ApiKeyStore.NewKey("bk_admin")));
        Assert.Null(BootstrapKey.Weakness(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))));
        Assert.Null(BootstrapKey.Weakness(PlatformProcesses.AdminKey));
    }

    /// <summary>A value given to BASHU_ADMIN_KEY in an env file, a YAML secret or a shell line, or the .http file's key.</summary>
    [GeneratedRegex(@"(?:BASHU_ADMIN_KEY\s*[=:]\s*|@key\s*=\s*)""?(?<key>[^""\s$`|)]+)")]
    private static partial Regex ExampleKey();
}
