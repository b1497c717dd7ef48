using System.Net;
using Orleans.Configuration;
using Orleans.Hosting.Kubernetes;

namespace BashuCloud.Silo;

/// <summary>Whether the silo runs as a Kubernetes pod, under "Bashu:Kubernetes" (chosen by the operator, never guessed from the environment).</summary>
public sealed class KubernetesSettings
{
    public const string Section = "Bashu:Kubernetes";

    /// <summary>
    /// Names the silo after its pod and lets Orleans' Kubernetes hosting watch the cluster's pods: a silo whose
    /// pod is deleted is declared dead at once instead of after missed probes.
    /// </summary>
    public bool Enabled { get; set; }
}

public static class KubernetesHosting
{
    /// <summary>The silo's name and, when "Bashu:Kubernetes:Enabled", Orleans' Kubernetes hosting.</summary>
    public static ISiloBuilder UseBashuKubernetes(this ISiloBuilder silo, SiloSettings settings)
    {
        var kubernetes = silo.Configuration.GetSection(KubernetesSettings.Section).Get<KubernetesSettings>() ?? new KubernetesSettings();
        if (!kubernetes.Enabled)
        {
            return silo.Configure<SiloOptions>(o => o.SiloName = $"{settings.Region}-{settings.SiloPort}");
        }
        RequireConsistent(settings);
        // The package names the silo after its pod (it matches silos to pods by that name) and reads the pod's
        // namespace, name and IP from POD_NAMESPACE, POD_NAME and POD_IP (the downward API, deploy/k8s).
        return silo.UseKubernetesHosting();
    }

    /// <summary>
    /// The package takes the cluster and service ids from ORLEANS_CLUSTER_ID and ORLEANS_SERVICE_ID when they are
    /// set, over ours; the API reads only ours, so different values would split the silos from their clients.
    /// </summary>
    private static void RequireConsistent(SiloSettings settings)
    {
        foreach (var (variable, ours, setting) in new[]
        {
            (KubernetesHostingOptions.ClusterIdEnvironmentVariable, settings.ClusterId, "Bashu:ClusterId"),
            (KubernetesHostingOptions.ServiceIdEnvironmentVariable, settings.ServiceId, "Bashu:ServiceId"),
        })
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } theirs && theirs != ours)
            {
                throw new InvalidOperationException(
                    $"配置无效 (invalid configuration): 环境变量 {variable}={theirs} 与 {setting}={ours} 不一致，请删除 {variable} 只设 {setting} "
                    + $"({variable} differs from {setting}: silos would join another cluster than the API; unset {variable})");
            }
        }
        if (IPAddress.TryParse(settings.AdvertisedAddress, out var address) && IPAddress.IsLoopback(address))
        {
            throw new InvalidOperationException(
                "配置无效 (invalid configuration): 在 Kubernetes 中 Bashu:AdvertisedAddress 应为 Pod 的 IP，用 downward API 的 status.podIP 设置 "
                + "(under Kubernetes, Bashu:AdvertisedAddress must be the pod's IP: set it from status.podIP)");
        }
    }
}
