using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Hosting;
using BashuCloud.Operations;
using BashuCloud.Storage;

namespace BashuCloud.Tests.Deploy;

/// <summary>
/// The settings each process really reads, found in its code: every options class with a <c>Section</c> constant
/// ("Bashu", "Bashu:Webhooks", …) and its settable properties, plus the few names read outside them. A name in a
/// deployment file that is not here is a typo the process would silently ignore.
/// </summary>
public static class ProcessSettings
{
    public const string Silo = "silo";
    public const string Api = "api";
    public const string Cli = "cli";

    // Read directly, not through an options class.
    private static readonly string[] Everywhere = ["ConnectionStrings:Bashu"];
    private static readonly string[] Telemetry = ["OTEL_EXPORTER_OTLP_ENDPOINT"];
    // Orleans' Kubernetes hosting reads the pod's identity from these (KubernetesHostingOptions.*EnvironmentVariable).
    private static readonly string[] KubernetesPod = ["POD_NAME", "POD_NAMESPACE", "POD_IP"];

    private static readonly Lazy<IReadOnlyDictionary<string, HashSet<string>>> ByProcess = new(Find);

    /// <summary>Whether <paramref name="name"/> (a configuration key "Bashu:Tls:CaPath" or an environment variable "Bashu__Tls__CaPath") is read by the process.</summary>
    public static bool IsSettingOf(string process, string name) => ByProcess.Value[process].Contains(WithoutListIndex(name.Replace("__", ":", StringComparison.Ordinal)));

    /// <summary>A list's item ("Bashu:Metrics:AllowedNetworks:0") is its list's setting.</summary>
    private static string WithoutListIndex(string name) =>
        name.LastIndexOf(':') is var last and > 0 && name[(last + 1)..].All(char.IsAsciiDigit) ? name[..last] : name;

    /// <summary>Every "Bashu:…" setting that an options class of some process binds.</summary>
    public static IReadOnlySet<string> BoundUnderBashu =>
        ByProcess.Value.Values.SelectMany(names => names).Where(n => n.StartsWith("Bashu:", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether any of the processes reads it (an environment file shared by several).</summary>
    public static bool IsSettingOfAny(IEnumerable<string> processes, string name) => processes.Any(p => IsSettingOf(p, name));

    private static Dictionary<string, HashSet<string>> Find()
    {
        // The contracts' options (Bashu:Dashboard) are read by silos and API alike.
        var hosting = Sections(typeof(ClusterTlsSettings).Assembly.Location).Concat(Sections(typeof(ClusterDashboardOptions).Assembly.Location)).ToList();
        // Read from the file, never loaded: an assembly loaded into the test process would be scanned by every Orleans client and silo the tests start.
        var silo = Sections(Repository.SiloDll).Concat(Sections(typeof(GrainStorageOptions).Assembly.Location));
        var api = Sections(typeof(ApiSettings).Assembly.Location);
        return new()
        {
            [Silo] = [.. silo, .. hosting, .. Everywhere, .. Telemetry, .. KubernetesPod],
            [Api] = [.. api, .. hosting, .. Everywhere, .. Telemetry, "BASHU_ADMIN_KEY", "Urls"],
            // tools/BashuCloud.Cli reads these from the environment itself (Commands.cs).
            [Cli] = [.. hosting, .. Everywhere, "BASHU_DB", "Bashu:ClusterId", "Bashu:ServiceId"],
        };
    }

    /// <summary>"Section:Property" for each public settable property of each class with a string constant Section starting "Bashu".</summary>
    private static List<string> Sections(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var metadata = pe.GetMetadataReader();
        var keys = new List<string>();
        foreach (var type in metadata.TypeDefinitions.Select(metadata.GetTypeDefinition))
        {
            if (SectionOf(metadata, type) is not { } section) continue;
            foreach (var property in type.GetProperties().Select(metadata.GetPropertyDefinition))
            {
                var setter = property.GetAccessors().Setter;
                if (setter.IsNil) continue;
                var attributes = metadata.GetMethodDefinition(setter).Attributes;
                if ((attributes & MethodAttributes.MemberAccessMask) == MethodAttributes.Public && !attributes.HasFlag(MethodAttributes.Static))
                {
                    keys.Add($"{section}:{metadata.GetString(property.Name)}");
                }
            }
        }
        return keys;
    }

    private static string? SectionOf(MetadataReader metadata, TypeDefinition type)
    {
        foreach (var field in type.GetFields().Select(metadata.GetFieldDefinition))
        {
            if (metadata.GetString(field.Name) != "Section" || field.GetDefaultValue() is not { IsNil: false } handle) continue;
            var constant = metadata.GetConstant(handle);
            if (constant.TypeCode != ConstantTypeCode.String) return null;
            var blob = metadata.GetBlobReader(constant.Value);
            var section = blob.ReadUTF16(blob.Length);
            return section.StartsWith("Bashu", StringComparison.Ordinal) ? section : null;
        }
        return null;
    }
}
