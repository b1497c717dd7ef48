using System.Net;
using BashuCloud.Deals;
using BashuCloud.Hosting;
using BashuCloud.Listings;
using BashuCloud.Operations;
using BashuCloud.Projections;
using BashuCloud.Storage;
using Npgsql;
using Orleans.Configuration;
using BashuCloud.Settings;

namespace BashuCloud.Silo;

public static class SiloHosting
{
    private const string Invariant = "Npgsql";

    /// <summary>An Orleans silo of one region on PostgreSQL: membership, grain state and reminders.</summary>
    public static HostApplicationBuilder AddBashuSilo(this HostApplicationBuilder builder)
    {
        var settings = SiloSettings.Load(builder.Configuration);
        // Our queries and Orleans' leave no session state behind, so pooled connections need no DISCARD ALL on
        // return, which would also throw away our plpgsql functions' cached plans on every call (measured: half
        // the write throughput). Npgsql prepares the frequent statements.
        var connectionString = new NpgsqlConnectionStringBuilder(builder.Configuration.GetConnectionString("Bashu"))
        {
            NoResetOnClose = true,
            MaxAutoPrepare = 32,
        }.ConnectionString;
        // One pool for Orleans' providers and the projection alike.
        var database = NpgsqlDataSource.Create(connectionString);
        builder.Services.AddSingleton(database);

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = settings.ClusterId;
                cluster.ServiceId = settings.ServiceId;
            });
            silo.UseBashuKubernetes(settings);
            silo.ConfigureEndpoints(IPAddress.Parse(settings.AdvertisedAddress), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
            silo.UseBashuTls();
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.DataSource = database;
            });
            silo.AddBashuGrainStorage();
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = Invariant;
                o.DataSource = database;
            });
            silo.Configure<ClusterMembershipOptions>(ClusterTimings.Membership);
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ClusterTimings.ResponseTimeout);
            silo.AddBashuGrains(settings.HomeRegion);
            silo.AddListingExpiry(settings.HomeRegion);
            silo.AddBashuDashboard();
        });

        builder.Services.AddValidatedSettings<ReadLeaseOptions>(ReadLeaseOptions.Section)
            .Validate(o => o.Duration < ClusterTimings.FastestDeathDeclaration,
                $"配置无效 (invalid setting) Bashu:ReadLeases:Duration: 须短于最快的故障判定 (must be shorter than the fastest death declaration, {ClusterTimings.FastestDeathDeclaration}).");
        builder.Services.AddValidatedSettings<GrainStorageOptions>(GrainStorageOptions.Section);
        builder.Services.AddValidatedSettings<ProjectionOptions>(ProjectionOptions.Section);
        builder.Services.AddValidatedSettings<ListingExpiryOptions>(ListingExpiryOptions.Section);
        builder.Services.AddValidatedSettings<DealOptions>(DealOptions.Section);
        builder.Services.AddReadModelProjection();
        // Orleans leaves the cluster gracefully on SIGTERM: deactivates grains and tells the others.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }
}

/// <summary>
/// Failure detection, chosen deliberately: the defaults took 6–13 s to declare a killed silo dead and left
/// calls hanging for 30 s. A 2 s probe timeout with two missed probes declares a dead silo in about 2–5 s;
/// calls give up after 5 s instead of 30 s. Silos write "I am alive" every 5 s, so a silo that has not for
/// 15 s is stale: a silo starting after the whole cluster died does not wait minutes for the dead to answer.
/// </summary>
public static class ClusterTimings
{
    // A call whose target silo died unanswered is only given up by this timeout (nobody else tells the caller),
    // so it bounds how long a request in flight at a crash hangs. Measured grain calls take milliseconds; a write
    // may wait up to one read lease (1.5 s) for an API process that does not confirm a revocation.
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private const int NumMissedProbesLimit = 2;

    /// <summary>
    /// The soonest a silo that stopped answering can be declared dead (probes go out once per probe timeout and
    /// the limit of them must be missed), so the soonest its grains can be activated elsewhere.
    /// </summary>
    public static TimeSpan FastestDeathDeclaration => ProbeTimeout * (NumMissedProbesLimit - 1);

    public static void Membership(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = ProbeTimeout;
        // Orleans adapts each probe's timeout up to this bound, and holds back a vote against a silo whose connection
        // brought a message within bound × missed probes (connection liveness check). With its default (4 × the
        // probe timeout) a silo cut off by a network partition, whose connections stay open but silent, was declared
        // dead only after 16 s; a killed silo's connections close, so it was not held back.
        o.MaxProbeTimeout = ProbeTimeout;
        o.NumMissedProbesLimit = NumMissedProbesLimit;
        // A silo declared dead while cut off learns it from the table and stops: it reads the table this often.
        o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        o.NumMissedTableIAmAliveLimit = 3;
        o.DefunctSiloCleanupPeriod = TimeSpan.FromHours(1);
        o.DefunctSiloExpiration = TimeSpan.FromHours(2);
    }
}
