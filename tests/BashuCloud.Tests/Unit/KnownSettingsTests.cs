using System.Text.RegularExpressions;
using BashuCloud.Settings;
using Microsoft.Extensions.Configuration;

namespace BashuCloud.Tests.Unit;

/// <summary>
/// One list of settings (KnownSettings), kept equal to what the options classes bind and to the README's table, and a
/// process that refuses a setting nobody reads instead of silently running on a default.
/// </summary>
public sealed partial class KnownSettingsTests
{
    [Fact]
    public void A_misspelt_setting_is_unknown_and_the_refusal_names_the_setting_meant()
    {
        var unknown = KnownSettings.Unknown(["Bashu:Regoin", "Bashu:Region", "bashu:webhooks:maxattempts", "Bashu:Webhooks:MaxAttempt", "Logging:LogLevel:Default"]);

        Assert.Equal(["Bashu:Regoin", "Bashu:Webhooks:MaxAttempt"], unknown);
        var refusal = KnownSettings.Refusal(unknown);
        Assert.Contains("Bashu:Regoin (是否指 Bashu:Region? did you mean Bashu:Region?)", refusal, StringComparison.Ordinal);
        Assert.Contains("did you mean Bashu:Webhooks:MaxAttempts?", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_setting_far_from_every_known_one_gets_no_suggestion_and_list_items_count_as_their_list()
    {
        Assert.Equal(["Bashu:Completely:Different"], KnownSettings.Unknown(["Bashu:Completely:Different", "Bashu:AdminKey:0"]));
        Assert.DoesNotContain("did you mean", KnownSettings.Refusal(["Bashu:Completely:Different"]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_section_with_a_value_of_its_own_is_not_a_setting_but_a_misspelt_leaf_is()
    {
        static IConfiguration Settings(params (string Key, string Value)[] pairs) =>
            new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value))).Build();

        KnownSettings.RejectUnknown(Settings(("Bashu:Webhooks", ""), ("Bashu:Webhooks:Dispatch", "false"), ("Logging:LogLevel:Default", "Warning")));
        var refusal = Assert.Throws<InvalidOperationException>(() => KnownSettings.RejectUnknown(Settings(("Bashu:Webhooks:Dispach", "false"))));
        Assert.Contains("did you mean Bashu:Webhooks:Dispatch?", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_bound_option_is_a_known_setting_and_every_known_setting_is_bound()
    {
        var bound = Deploy.ProcessSettings.BoundUnderBashu;

        Assert.Empty(bound.Except(KnownSettings.Names, StringComparer.OrdinalIgnoreCase));
        Assert.Empty(KnownSettings.Names.Except(bound, StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_readme_configuration_table_lists_exactly_the_known_settings()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var table = readme[readme.IndexOf("## Configuration", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        var documented = SettingInTable().Matches(table).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(KnownSettings.Names.Except(documented, StringComparer.Ordinal));
        Assert.Empty(documented.Except(KnownSettings.Names, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Bashu__Regoin", "chongqing", "did you mean Bashu:Region?")]
    [InlineData("Bashu__Storage__Writers", "0", "配置无效 (invalid setting) Bashu:Storage:Writers:")]
    [InlineData("Bashu__Region", "beijing", "配置无效 (invalid setting) Bashu:Region:")]
    public async Task A_silo_refuses_to_start_on_a_bad_setting_and_names_it(string variable, string value, string message) =>
        Assert.Contains(message, await FailedStart.RunAsync(Repository.SiloDll, new() { [variable] = value }), StringComparison.Ordinal);

    [GeneratedRegex(@"`(Bashu:[A-Za-z:]+)`")]
    private static partial Regex SettingInTable();
}
