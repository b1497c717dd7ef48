namespace BashuCloud.Tests.Deploy;

/// <summary>
/// A deployment's TLS and Kubernetes settings are checked when a process starts: a mistake stops it at once with a
/// message naming the setting (Chinese, then English), instead of a cluster that silently runs unencrypted or splits.
/// </summary>
public sealed class StartupSettingsTests : IDisposable
{
    private readonly TestCertificates _authority = new("Startup test CA", Path.Combine(Path.GetTempPath(), $"bashu-tls-{Guid.NewGuid():N}"));

    [Fact]
    public async Task A_silo_given_a_CA_but_no_certificate_stops_instead_of_running_without_TLS()
    {
        var output = await FailedStart.RunAsync(Repository.SiloDll, new() { ["Bashu__Tls__CaPath"] = _authority.CaPath });
        Assert.Contains("Bashu:Tls:CertificatePath", output);
        Assert.Contains("配置无效", output);
    }

    [Fact]
    public async Task An_API_process_with_an_expired_certificate_stops_at_start()
    {
        var (certificate, key) = _authority.IssuePem("expired", notAfter: DateTimeOffset.UtcNow.AddHours(-1));
        var output = await FailedStart.RunAsync(Repository.ApiDll, new()
        {
            ["Bashu__Tls__CertificatePath"] = certificate,
            ["Bashu__Tls__KeyPath"] = key,
            ["Bashu__Tls__CaPath"] = _authority.CaPath,
        });
        Assert.Contains("不在有效期内", output);
    }

    [Fact]
    public async Task A_silo_whose_certificate_is_not_from_the_trusted_CA_stops_at_start()
    {
        using var other = new TestCertificates("Other CA", Path.Combine(_authority.Directory, "other"));
        var (certificate, key) = other.IssuePem("silo");
        var output = await FailedStart.RunAsync(Repository.SiloDll, new()
        {
            ["Bashu__Tls__CertificatePath"] = certificate,
            ["Bashu__Tls__KeyPath"] = key,
            ["Bashu__Tls__CaPath"] = _authority.CaPath,
        });
        Assert.Contains("Bashu:Tls:CaPath", output);
    }

    [Fact]
    public async Task A_silo_on_Kubernetes_refuses_an_Orleans_cluster_id_other_than_the_API_reads()
    {
        var output = await FailedStart.RunAsync(Repository.SiloDll, new()
        {
            ["Bashu__Kubernetes__Enabled"] = "true",
            ["Bashu__AdvertisedAddress"] = "10.20.30.40",
            ["ORLEANS_CLUSTER_ID"] = "another-cluster",
        });
        Assert.Contains("ORLEANS_CLUSTER_ID", output);
        Assert.Contains("Bashu:ClusterId", output);
    }

    [Fact]
    public async Task A_silo_on_Kubernetes_refuses_to_advertise_a_loopback_address()
    {
        var output = await FailedStart.RunAsync(Repository.SiloDll, new() { ["Bashu__Kubernetes__Enabled"] = "true", ["Bashu__AdvertisedAddress"] = "127.0.0.1" });
        Assert.Contains("status.podIP", output);
    }

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(_authority.Directory, recursive: true);
    }
}
