using BashuCloud.Bench;
using BashuCloud.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace BashuCloud.Tests.Deploy;

/// <summary>
/// The platform with mutual TLS everywhere, as deploy/ sets it up: both regions' silos with one PEM certificate and
/// key (as Kubernetes mounts a TLS secret), the API with a password-protected PKCS#12 file, all issued by the
/// cluster's own throwaway CA.
/// </summary>
public sealed class TlsPlatform : PlatformProcesses
{
    public const string PfxPassword = "pfx-密码-0123";

    public TestCertificates Cluster { get; private set; } = null!;

    /// <summary>Another CA, as an attacker's or another deployment's: valid certificates the cluster must refuse.</summary>
    public TestCertificates Stranger { get; private set; } = null!;

    private (string Certificate, string Key) _silo;
    private string _api = "";

    public override async Task InitializeAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"bashu-tls-{Guid.NewGuid():N}");
        Cluster = new TestCertificates("BashuCloud cluster CA", Path.Combine(directory, "cluster"));
        Stranger = new TestCertificates("Some other CA", Path.Combine(directory, "stranger"));
        _silo = Cluster.IssuePem("silo");
        _api = Cluster.IssuePfx("api", PfxPassword);
        await base.InitializeAsync();
    }

    protected override IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>(base.SiloSettings)
    {
        ["Bashu__Tls__CertificatePath"] = _silo.Certificate,
        ["Bashu__Tls__KeyPath"] = _silo.Key,
        ["Bashu__Tls__CaPath"] = Cluster.CaPath,
    };

    protected override IReadOnlyDictionary<string, string> ApiSettings => new Dictionary<string, string>(base.ApiSettings)
    {
        ["Bashu__Tls__CertificatePath"] = _api,
        ["Bashu__Tls__CertificatePassword"] = PfxPassword,
        ["Bashu__Tls__CaPath"] = Cluster.CaPath,
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Cluster?.Dispose();
        Stranger?.Dispose();
        if (Cluster is not null) Directory.Delete(Path.GetDirectoryName(Cluster.Directory)!, recursive: true);
    }
}

public sealed class ClusterTlsTests(TlsPlatform platform) : IClassFixture<TlsPlatform>
{
    private const int Active = 3;

    [Fact]
    public async Task A_request_goes_through_the_API_and_the_TLS_silos_of_both_regions()
    {
        using var readiness = await platform.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, readiness.StatusCode);
        using (var created = await platform.SendAsync(HttpMethod.Put, "/api/v1/platforms/tls-check", new { name = "加密检查", kind = "Partner", homeRegion = "chongqing" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        using var read = await platform.SendAsync(HttpMethod.Get, "/api/v1/platforms/tls-check");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("加密检查", (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
        Assert.Equal(2, await ActiveSilosAsync());
    }

    [Fact]
    public async Task A_client_with_the_cluster_CA_certificate_connects_but_one_without_TLS_or_with_another_CA_cannot()
    {
        var (certificate, key) = platform.Cluster.IssuePem("operator-tool");
        using (var trusted = await ConnectAsync(Tls(certificate, key, platform.Cluster.CaPath)))
        {
            var hosts = await trusted.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Equal(2, hosts.Count);
            await trusted.StopAsync();
        }

        // The stranger's configuration is consistent in itself (its certificate chains to the CA it trusts): only the cluster refuses it.
        var (foreign, foreignKey) = platform.Stranger.IssuePem("intruder");
        foreach (var settings in new[] { new Dictionary<string, string?>(), Tls(foreign, foreignKey, platform.Stranger.CaPath) })
        {
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                // Refused outright, or still trying after 15 s (the trusted client above connects in about one).
                using var refused = await ConnectAsync(settings, TimeSpan.FromSeconds(15));
                await refused.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            });
        }
    }

    [Fact]
    public async Task A_silo_without_TLS_or_with_a_certificate_of_another_CA_never_joins_the_cluster()
    {
        var (foreign, foreignKey) = platform.Stranger.IssuePem("intruder-silo");
        var plain = platform.StartSilo("chongqing", new Dictionary<string, string>
        {
            ["Bashu__Tls__CertificatePath"] = "",
            ["Bashu__Tls__KeyPath"] = "",
            ["Bashu__Tls__CaPath"] = "",
        });
        var stranger = platform.StartSilo("sichuan", new Dictionary<string, string>
        {
            ["Bashu__Tls__CertificatePath"] = foreign,
            ["Bashu__Tls__KeyPath"] = foreignKey,
            ["Bashu__Tls__CaPath"] = platform.Stranger.CaPath,
        });
        try
        {
            // Both get as far as announcing themselves in the membership table, so they did try to join ...
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (await MembershipAsync(plain, stranger) is var seen && seen.Select(m => m.Silo).Distinct().Count() < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, $"both silos wrote themselves into the membership table: {string.Join(", ", seen)}");
                await Task.Delay(250);
            }
            // ... and in the next 15 s (a good silo becomes active in about 2) neither becomes active, and the cluster keeps its two.
            var watchUntil = DateTime.UtcNow.AddSeconds(15);
            while (DateTime.UtcNow < watchUntil)
            {
                Assert.DoesNotContain(await MembershipAsync(plain, stranger), m => m.Status == Active);
                await Task.Delay(500);
            }
            Assert.Equal(2, await ActiveSilosAsync());
        }
        finally
        {
            foreach (var silo in new[] { plain, stranger }.Where(s => !platform.HasExited(s))) platform.KillSilo(silo);
        }
    }

    private static Dictionary<string, string?> Tls(string certificate, string key, string ca) => new()
    {
        ["Bashu:Tls:CertificatePath"] = certificate,
        ["Bashu:Tls:KeyPath"] = key,
        ["Bashu:Tls:CaPath"] = ca,
    };

    private async Task<IHost> ConnectAsync(Dictionary<string, string?> settings, TimeSpan? timeout = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return await ClusterConnection.ConnectAsync(platform.Database.ConnectionString, platform.ClusterId, client => client.UseBashuTls(configuration))
            .WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    private Task<long> ActiveSilosAsync() =>
        platform.Database.ScalarAsync<long>("SELECT count(*) FROM cluster_member WHERE deployment_id = $1 AND status = $2", platform.ClusterId, Active);

    /// <summary>The rows of these silos (by name, "chongqing-40123") in the membership table, with their status.</summary>
    private async Task<List<(string Silo, int Status)>> MembershipAsync(params string[] silos)
    {
        await using var command = platform.Database.DataSource.CreateCommand(
            "SELECT silo_name, status FROM cluster_member WHERE deployment_id = $1 AND silo_name = ANY($2)");
        command.Parameters.Add(new NpgsqlParameter { Value = platform.ClusterId });
        command.Parameters.Add(new NpgsqlParameter { Value = silos });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, int)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetInt32(1)));
        return rows;
    }
}
