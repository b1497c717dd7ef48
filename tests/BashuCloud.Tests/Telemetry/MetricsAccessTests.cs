using System.Diagnostics;
using BashuCloud.Api.Telemetry;
using BashuCloud.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;

namespace BashuCloud.Tests.Telemetry;

/// <summary>Who may read /metrics, and which spans start a trace: decisions without a cluster.</summary>
public sealed class MetricsAccessTests
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.9.9.9", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.2.3.4", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.1.20", false)]
    [InlineData("fd12:3456::1", false)]
    [InlineData("8.8.8.8", false)]
    [InlineData("2001:db8::1", false)]
    public void By_default_only_loopback_may_read_the_metrics_not_the_private_networks_a_proxy_lives_in(string client, bool admitted)
    {
        Assert.Equal(admitted, MetricsSettings.Admits(IPAddress.Parse(client), Settings([]).Networks()));
    }

    [Fact]
    public void A_client_whose_address_is_not_known_may_not_read_the_metrics()
    {
        Assert.False(MetricsSettings.Admits(null, Settings([]).Networks()));
    }

    [Fact]
    public void Configured_networks_replace_the_defaults_instead_of_adding_to_them()
    {
        var networks = Settings(new() { ["Bashu:Metrics:AllowedNetworks:0"] = "127.0.0.1/32", ["Bashu:Metrics:AllowedNetworks:1"] = "203.0.113.0/24" }).Networks();

        Assert.True(MetricsSettings.Admits(IPAddress.Parse("127.0.0.1"), networks));
        Assert.True(MetricsSettings.Admits(IPAddress.Parse("203.0.113.9"), networks));
        Assert.False(MetricsSettings.Admits(IPAddress.Parse("127.0.0.2"), networks));
        Assert.False(MetricsSettings.Admits(IPAddress.Parse("10.0.0.1"), networks));
    }

    [Fact]
    public void A_network_that_is_not_one_stops_the_start_with_a_message_naming_it()
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Settings(new()
        {
            ["Bashu:Metrics:AllowedNetworks:0"] = "10.0.0.0/8",
            ["Bashu:Metrics:AllowedNetworks:1"] = "10.0.0.0/33",
            ["Bashu:Metrics:AllowedNetworks:2"] = "intranet",
        }));

        Assert.Contains("“10.0.0.0/33” 不是网段 (not a network in CIDR notation", failure.Message);
        Assert.Contains("“intranet” 不是网段", failure.Message);
        Assert.DoesNotContain("“10.0.0.0/8”", failure.Message);
    }

    [Fact]
    public void An_outgoing_call_outside_any_trace_starts_none_and_work_received_does()
    {
        var root = new SamplingParameters(default, ActivityTraceId.CreateRandom(), "poll", ActivityKind.Client);
        Assert.Equal(SamplingDecision.Drop, WorkRootedSampler.Instance.ShouldSample(root).Decision);
        foreach (var kind in new[] { ActivityKind.Server, ActivityKind.Internal, ActivityKind.Consumer })
        {
            var work = new SamplingParameters(default, ActivityTraceId.CreateRandom(), "work", kind);
            Assert.Equal(SamplingDecision.RecordAndSample, WorkRootedSampler.Instance.ShouldSample(work).Decision);
        }
    }

    [Fact]
    public void An_outgoing_call_inside_a_recorded_trace_is_recorded()
    {
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var call = new SamplingParameters(parent, parent.TraceId, "SELECT", ActivityKind.Client);

        Assert.Equal(SamplingDecision.RecordAndSample, WorkRootedSampler.Instance.ShouldSample(call).Decision);
    }

    /// <summary>The settings as the API binds and validates them at start.</summary>
    private static MetricsSettings Settings(Dictionary<string, string?> values)
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        services.AddOptions<MetricsSettings>().BindConfiguration(MetricsSettings.Section).ValidateDataAnnotations();
        return services.BuildServiceProvider().GetRequiredService<IOptions<MetricsSettings>>().Value;
    }
}
