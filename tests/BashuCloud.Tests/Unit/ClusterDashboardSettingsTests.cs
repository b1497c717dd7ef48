using BashuCloud.Operations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace BashuCloud.Tests.Unit;

/// <summary>
/// What Bashu:Dashboard puts into a silo, read from the services the silo would start with: profiling costs CPU on
/// every grain call, so what each setting installs is what an operator pays for.
/// </summary>
public sealed class ClusterDashboardSettingsTests
{
    [Fact]
    public void Profiling_is_on_demand_unless_set_always_and_off_takes_the_profiler_out_of_the_call_path()
    {
        var withoutDashboard = SiloServices(new() { ["Bashu:Dashboard:Enabled"] = "false" });
        var onDemand = SiloServices([]);
        var always = SiloServices(new() { ["Bashu:Dashboard:Profiling"] = "Always" });
        var off = SiloServices(new() { ["Bashu:Dashboard:Profiling"] = "Off" });

        Assert.Equal(CallFilters(withoutDashboard) + 1, CallFilters(onDemand));
        Assert.Equal(CallFilters(onDemand), CallFilters(always));
        Assert.Equal(CallFilters(withoutDashboard), CallFilters(off));
        Assert.False(ProfilesAlways(onDemand));
        Assert.True(ProfilesAlways(always));
        // Off still gathers the dashboard's figures: only the profiler is gone.
        Assert.Equal(onDemand.Count - 1, off.Count);
        Assert.True(off.Count > withoutDashboard.Count);
    }

    private static IServiceCollection SiloServices(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.UseOrleans(silo => silo.AddBashuDashboard());
        return builder.Services;
    }

    private static int CallFilters(IServiceCollection services) => services.Count(d => d.ServiceType == typeof(IIncomingGrainCallFilter));

    private static bool ProfilesAlways(IServiceCollection services)
    {
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<GrainProfilerOptions>>().Value.TraceAlways;
    }
}
