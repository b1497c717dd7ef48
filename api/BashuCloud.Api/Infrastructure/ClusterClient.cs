using BashuCloud.Api.Dashboard;
using BashuCloud.Hosting;
using Orleans.Configuration;

namespace BashuCloud.Api.Infrastructure;

public static class ClusterClient
{
    /// <summary>
    /// The API is an Orleans client: it finds the gateways of both regions in the membership table and keeps
    /// trying until one answers, so it can start before the silos.
    /// </summary>
    public static WebApplicationBuilder AddBashuClusterClient(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(ApiSettings.Section).Get<ApiSettings>() ?? new ApiSettings();
        var connectionString = builder.Configuration.GetConnectionString("Bashu")!;
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = settings.ClusterId;
                cluster.ServiceId = settings.ServiceId;
            });
            client.UseBashuTls();
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
            });
            // A gateway declared dead stops receiving this client's calls at the next refresh of the list.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
            // As the silos' (ClusterTimings): the backstop for a call that gets no answer. A call in flight to a silo
            // that dies ends sooner, when the silo is declared dead (DeadSiloCalls).
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            });
            client.AddBashuDashboard();
        });
        return builder;
    }
}
