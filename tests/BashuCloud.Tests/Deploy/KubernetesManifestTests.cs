using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace BashuCloud.Tests.Deploy;

/// <summary>deploy/k8s: parsed and checked as the API server and our processes would take them.</summary>
public sealed class KubernetesManifestTests
{
    private const string Namespace = "bashu";
    private const string RegionLabel = "bashu.cloud/region";

    private static readonly string Directory = DeployFiles.PathOf("k8s");

    private static readonly List<(string File, YamlMappingNode Node)> Manifests =
        [.. System.IO.Directory.GetFiles(Directory, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(f => DeployFiles.Yaml(f).Select(d => (Path.GetFileName(f), d)))];

    private static IEnumerable<YamlMappingNode> OfKind(string kind) => Manifests.Where(m => m.Node.Text("kind") == kind).Select(m => m.Node);

    private static IEnumerable<YamlMappingNode> Workloads => OfKind("Deployment").Concat(OfKind("Job"));

    [Fact]
    public void Every_manifest_names_its_api_version_kind_name_and_namespace()
    {
        Assert.NotEmpty(Manifests);
        foreach (var (file, node) in Manifests)
        {
            var what = $"{file}: {node.Text("kind")} {node.Text("metadata", "name")}";
            Assert.False(string.IsNullOrEmpty(node.Text("apiVersion")), $"{what} has an apiVersion");
            Assert.False(string.IsNullOrEmpty(node.Text("kind")), $"{what} has a kind");
            Assert.False(string.IsNullOrEmpty(node.Text("metadata", "name")), $"{what} has a name");
            if (node.Text("kind") != "Namespace") Assert.True(node.Text("metadata", "namespace") == Namespace, $"{what} is in namespace {Namespace}");
        }
        Assert.Equal(Namespace, Assert.Single(OfKind("Namespace")).Text("metadata", "name"));
    }

    [Fact]
    public void Every_selector_matches_the_labels_of_the_pods_it_means()
    {
        var podLabels = Workloads.Select(w => (Name: w.Text("metadata", "name")!, Labels: w.Labels("spec", "template", "metadata", "labels"))).ToList();
        foreach (var workload in OfKind("Deployment"))
        {
            var selector = workload.Labels("spec", "selector", "matchLabels");
            Assert.NotEmpty(selector);
            Assert.Subset(workload.Labels("spec", "template", "metadata", "labels").ToHashSet(), selector.ToHashSet());
        }
        foreach (var (kind, path) in new[] { ("Service", new[] { "spec", "selector" }), ("PodDisruptionBudget", new[] { "spec", "selector", "matchLabels" }) })
        {
            foreach (var node in OfKind(kind))
            {
                var selector = node.Labels(path).ToHashSet();
                Assert.True(selector.Count > 0 && podLabels.Any(p => selector.IsSubsetOf(p.Labels)),
                    $"{kind} {node.Text("metadata", "name")} selects the pods of a workload ({string.Join(", ", selector)})");
            }
        }
    }

    [Fact]
    public void Every_container_has_an_image_and_requests_and_limits_and_reads_only_real_settings()
    {
        var configMaps = OfKind("ConfigMap").ToDictionary(c => c.Text("metadata", "name")!, c => c.Entries("data").Select(e => e.Key).ToList());
        var secrets = OfKind("Secret").ToDictionary(s => s.Text("metadata", "name")!, s => s.Entries("stringData").Select(e => e.Key).ToList());
        foreach (var workload in Workloads)
        {
            foreach (var container in workload.Items("spec", "template", "spec", "containers"))
            {
                var what = $"{workload.Text("metadata", "name")}/{container.Text("name")}";
                Assert.False(string.IsNullOrEmpty(container.Text("image")), $"{what} has an image");
                foreach (var resource in new[] { "requests", "limits" })
                {
                    Assert.True(container.Text("resources", resource, "cpu") is not null && container.Text("resources", resource, "memory") is not null, $"{what} has {resource}");
                }
                var process = ProcessOf(container);
                var names = container.Items("env").Select(e => e.Text("name")!).ToList();
                foreach (var source in container.Items("envFrom"))
                {
                    if (source.Text("configMapRef", "name") is { } map) names.AddRange(Assert.Contains(map, configMaps));
                    if (source.Text("secretRef", "name") is { } secret) names.AddRange(Assert.Contains(secret, secrets));
                }
                foreach (var reference in container.Items("env").Select(e => e.At("valueFrom", "secretKeyRef")).OfType<YamlNode>())
                {
                    Assert.Contains(reference.Text("key")!, Assert.Contains(reference.Text("name")!, secrets));
                }
                Assert.NotEmpty(names);
                Assert.All(names, name => Assert.True(ProcessSettings.IsSettingOf(process, name), $"{what}: {name} is not a setting of the {process}"));
                Assert.Contains("ConnectionStrings__Bashu", names);
            }
        }
    }

    [Fact]
    public void The_API_is_probed_on_its_health_endpoints_and_serves_the_Service_port()
    {
        var api = Assert.Single(Workloads, w => w.Text("metadata", "name") == "bashu-api");
        var container = Assert.Single(api.Items("spec", "template", "spec", "containers"));
        Assert.Equal("/health/live", container.Text("livenessProbe", "httpGet", "path"));
        Assert.Equal("/health/ready", container.Text("readinessProbe", "httpGet", "path"));
        var ports = container.Items("ports").Select(p => p.Text("name")).ToList();
        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" }) Assert.Contains(container.Text(probe, "httpGet", "port"), ports);
        var service = Assert.Single(OfKind("Service"));
        Assert.All(service.Items("spec", "ports"), port => Assert.Contains(port.Text("targetPort"), ports));
        Assert.Contains(container.Items("env"), e => e.Text("name") == "Urls" && e.Text("value")!.EndsWith(":" + container.Items("ports").First().Text("containerPort"), StringComparison.Ordinal));
    }

    [Fact]
    public void Each_region_has_silos_that_take_their_region_from_their_pod_label_and_run_on_its_nodes()
    {
        var config = Assert.Single(OfKind("ConfigMap"));
        var silos = OfKind("Deployment").Where(d => d.Items("spec", "template", "spec", "containers").Any(c => ProcessOf(c) == ProcessSettings.Silo)).ToList();
        Assert.Equal("chongqing sichuan", string.Join(" ", silos.Select(s => s.Labels("spec", "template", "metadata", "labels")[RegionLabel]).Order()));
        foreach (var silo in silos)
        {
            var pod = silo.At("spec", "template")!;
            var labels = pod.Labels("metadata", "labels");
            var region = labels[RegionLabel];
            Assert.Equal(region, silo.Labels("spec", "selector", "matchLabels")[RegionLabel]);
            var term = Assert.Single(pod.Items("spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"));
            var expression = Assert.Single(term.Items("matchExpressions"));
            Assert.Equal(RegionLabel, expression.Text("key"));
            Assert.Equal(new[] { region }, expression.Items("values").Select(v => ((YamlScalarNode)v).Value));

            var env = Assert.Single(pod.Items("spec", "containers")).Items("env").ToDictionary(e => e.Text("name")!);
            Assert.Equal($"metadata.labels['{RegionLabel}']", env["Bashu__Region"].Text("valueFrom", "fieldRef", "fieldPath"));
            Assert.Equal("status.podIP", env["Bashu__AdvertisedAddress"].Text("valueFrom", "fieldRef", "fieldPath"));
            Assert.Equal("true", env["Bashu__Kubernetes__Enabled"].Text("value"));
            // Orleans' Kubernetes hosting finds the silos' pods by these labels, built from the ids our processes use.
            Assert.Equal(config.Text("data", "Bashu__ClusterId"), labels["orleans/clusterId"]);
            Assert.Equal(config.Text("data", "Bashu__ServiceId"), labels["orleans/serviceId"]);
            Assert.True(int.Parse(pod.Text("spec", "terminationGracePeriodSeconds")!) > 30, "the silo has more than its 30 s graceful stop");
            Assert.Equal("0", silo.Text("spec", "strategy", "rollingUpdate", "maxUnavailable"));
            Assert.Contains(OfKind("PodDisruptionBudget"), pdb => pdb.Labels("spec", "selector", "matchLabels").GetValueOrDefault(RegionLabel) == region);
        }
    }

    [Fact]
    public void The_silos_service_account_may_do_what_Orleans_Kubernetes_hosting_does_to_pods()
    {
        var role = Assert.Single(OfKind("Role"));
        var rule = Assert.Single(role.Items("rules"), r => r.Items("resources").Any(x => ((YamlScalarNode)x).Value == "pods"));
        Assert.Equal("get list patch watch", string.Join(" ", rule.Items("verbs").Select(v => ((YamlScalarNode)v).Value!).Order()));
        var binding = Assert.Single(OfKind("RoleBinding"));
        Assert.Equal(role.Text("metadata", "name"), binding.Text("roleRef", "name"));
        var account = Assert.Single(binding.Items("subjects")).Text("name");
        Assert.All(OfKind("Deployment").Where(d => d.Labels("spec", "template", "metadata", "labels").ContainsKey(RegionLabel)),
            silo => Assert.Equal(account, silo.Text("spec", "template", "spec", "serviceAccountName")));
    }

    [Fact]
    public void TLS_certificates_are_mounted_from_secrets_where_the_settings_point()
    {
        var config = Assert.Single(OfKind("ConfigMap"));
        var directory = Path.GetDirectoryName(config.Text("data", "Bashu__Tls__CertificatePath"))!;
        var secrets = OfKind("Secret").ToDictionary(s => s.Text("metadata", "name")!);
        foreach (var workload in OfKind("Deployment"))
        {
            var pod = workload.At("spec", "template", "spec");
            var mount = Assert.Single(Assert.Single(pod.Items("containers")).Items("volumeMounts"), m => m.Text("mountPath") == directory);
            var volume = Assert.Single(pod.Items("volumes"), v => v.Text("name") == mount.Text("name"));
            var secret = Assert.Contains(volume.Text("secret", "secretName")!, secrets);
            foreach (var setting in new[] { "Bashu__Tls__CertificatePath", "Bashu__Tls__KeyPath", "Bashu__Tls__CaPath" })
            {
                Assert.Contains(Path.GetFileName(config.Text("data", setting))!, secret.Entries("stringData").Select(e => e.Key));
            }
        }
        // A template: no real value may be committed.
        Assert.All(secrets.Values.SelectMany(s => s.Entries("stringData")), e => Assert.Contains("REPLACE", ((YamlScalarNode)e.Value).Value));
    }

    [Fact]
    public async Task The_kustomization_lists_every_manifest_but_the_secret_template()
    {
        var kustomization = Assert.Single(DeployFiles.Yaml(Path.Combine(Directory, "kustomization.yaml")));
        var listed = kustomization.Items("resources").Select(r => ((YamlScalarNode)r).Value!).Order().ToList();
        var files = System.IO.Directory.GetFiles(Directory, "*.yaml").Select(f => Path.GetFileName(f))
            .Where(f => f is not "kustomization.yaml" and not "secret.template.yaml").Order().ToList();
        Assert.Equal(files, listed);
        if (!File.Exists("/usr/bin/kubectl")) return;
        // Where kubectl is installed, it must render the whole set.
        using var kubectl = Process.Start(new ProcessStartInfo("kubectl", ["kustomize", Directory]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var errors = kubectl.StandardError.ReadToEndAsync();
        var output = await kubectl.StandardOutput.ReadToEndAsync();
        await kubectl.WaitForExitAsync();
        Assert.True(kubectl.ExitCode == 0, await errors);
        Assert.Equal(Manifests.Count - OfKind("Secret").Count(), output.Split('\n').Count(l => l.StartsWith("kind: ", StringComparison.Ordinal)));
    }

    /// <summary>Which process a container runs: the image's command (deploy/docker/entrypoint.sh) is its first argument.</summary>
    private static string ProcessOf(YamlNode container) => ((YamlScalarNode)container.Items("args").First()).Value!;
}
