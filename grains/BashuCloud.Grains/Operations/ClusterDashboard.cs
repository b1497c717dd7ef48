using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Dashboard;

namespace BashuCloud.Operations;

/// <summary>
/// The silo's part of the Orleans Dashboard (Bashu:Dashboard): the API serves the pages at /admin/orleans and asks
/// the silos, each of which samples its own statistics every second and, while profiling is on, times its grain calls.
/// </summary>
public static class ClusterDashboard
{
    public static ISiloBuilder AddBashuDashboard(this ISiloBuilder silo)
    {
        var options = silo.Configuration.GetSection(ClusterDashboardOptions.Section).Get<ClusterDashboardOptions>() ?? new();
        if (!options.Enabled) return silo;
        silo.AddDashboard();
        silo.Configure<GrainProfilerOptions>(o => o.TraceAlways = options.Profiling is GrainCallProfiling.Always);
        if (options.Profiling is GrainCallProfiling.Off) RemoveProfiler(silo.Services);
        return silo;
    }

    /// <summary>
    /// The profiler is the dashboard's one grain-call filter. Off takes it out of the call path altogether (switched
    /// off it still sits in every call); if a later package registers it otherwise, the silo refuses to start rather
    /// than profile against the setting.
    /// </summary>
    private static void RemoveProfiler(IServiceCollection services)
    {
        var dashboard = typeof(DashboardOptions).Assembly;
        var filters = services
            .Where(d => d.ServiceType == typeof(IIncomingGrainCallFilter) && !d.IsKeyedService && d.ImplementationType?.Assembly == dashboard)
            .ToList();
        if (filters.Count == 0) throw new InvalidOperationException("Bashu:Dashboard:Profiling=Off: the Orleans Dashboard's grain-call profiler was not found to remove.");
        foreach (var filter in filters) services.Remove(filter);
    }
}
