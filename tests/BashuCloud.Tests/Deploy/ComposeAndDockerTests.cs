using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace BashuCloud.Tests.Deploy;

/// <summary>deploy/compose and deploy/docker: structure, settings, and the image building every project it needs.</summary>
public sealed partial class ComposeAndDockerTests
{
    private static readonly string ComposeFile = DeployFiles.PathOf("compose", "compose.yaml");

    private static YamlMappingNode Compose => Assert.Single(DeployFiles.Yaml(ComposeFile));

    private static Dictionary<string, YamlNode> Services => Compose.Entries("services").ToDictionary(e => e.Key, e => e.Value);

    [Fact]
    public void Compose_runs_PostgreSQL_15_in_UTF8_with_synchronous_commit_and_checks_its_health()
    {
        var postgres = Services["postgres"];
        Assert.Equal("postgres:15", postgres.Text("image"));
        Assert.Contains("--locale=C.UTF-8", postgres.Text("environment", "POSTGRES_INITDB_ARGS"));
        Assert.Contains("--encoding=UTF8", postgres.Text("environment", "POSTGRES_INITDB_ARGS"));
        Assert.Contains("synchronous_commit=on", postgres.Items("command").Select(c => ((YamlScalarNode)c).Value));
        Assert.NotNull(postgres.At("healthcheck", "test"));
    }

    [Fact]
    public void Compose_migrates_once_before_one_silo_per_region_and_the_API_start()
    {
        var services = Services;
        Assert.Equal("cli migrate", string.Join(" ", Command(services["migrate"])));
        Assert.Equal("no", services["migrate"].Text("restart"));
        Assert.Equal("service_healthy", services["migrate"].Text("depends_on", "postgres", "condition"));
        var silos = services.Where(s => Command(s.Value).FirstOrDefault() == "silo").ToList();
        Assert.Equal("chongqing sichuan", string.Join(" ", silos.Select(s => s.Value.Text("environment", "Bashu__Region")).Order()));
        var api = Assert.Single(services.Values, s => Command(s).FirstOrDefault() == "api");
        Assert.NotNull(api.At("healthcheck", "test"));
        Assert.Contains("/health/ready", string.Join(" ", api.Items("healthcheck", "test").Select(t => ((YamlScalarNode)t).Value)));
        foreach (var service in silos.Select(s => s.Value).Append(api))
        {
            Assert.Equal("service_completed_successfully", service.Text("depends_on", "migrate", "condition"));
            // More than a silo's 30 s graceful stop.
            Assert.True(TimeSpan.Parse("00:00:" + service.Text("stop_grace_period")!.TrimEnd('s')) > TimeSpan.FromSeconds(30));
        }
        // Each silo advertises the address it has on the network.
        foreach (var (_, silo) in silos)
        {
            Assert.Equal(silo.Text("environment", "Bashu__AdvertisedAddress"), silo.Text("networks", "bashu", "ipv4_address"));
        }
    }

    [Fact]
    public void Compose_services_read_only_real_settings_and_keep_secrets_in_env_files()
    {
        var readers = new Dictionary<string, HashSet<string>>();
        foreach (var (name, service) in Services.Where(s => Command(s.Value).FirstOrDefault() is ProcessSettings.Silo or ProcessSettings.Api or ProcessSettings.Cli))
        {
            var process = Command(service)[0];
            foreach (var (key, _) in service.Entries("environment"))
            {
                Assert.True(ProcessSettings.IsSettingOf(process, key), $"compose service {name}: {key} is not a setting of the {process}");
            }
            foreach (var file in service.Items("env_file").Select(f => ((YamlScalarNode)f).Value!))
            {
                (readers.TryGetValue(file, out var processes) ? processes : readers[file] = []).Add(process);
            }
        }
        Assert.NotEmpty(readers);
        // A file several processes read may hold the settings of any of them.
        foreach (var (file, processes) in readers)
        {
            var example = DeployFiles.PathOf("compose", file + ".example");
            Assert.True(File.Exists(example), $"{file} has an example ({example})");
            Assert.All(DeployFiles.EnvironmentNames(example), key => Assert.True(ProcessSettings.IsSettingOfAny(processes, key), $"{file}: {key} is read by none of {string.Join(", ", processes)}"));
        }
        var text = File.ReadAllText(ComposeFile);
        Assert.DoesNotMatch(SecretLooking(), text);
        Assert.DoesNotContain("BASHU_ADMIN_KEY", text);
        Assert.DoesNotContain("ConnectionStrings__Bashu", text);
    }

    [Fact]
    public void The_image_builds_every_project_the_silo_API_and_CLI_need_and_runs_each_by_its_command()
    {
        var dockerfile = File.ReadAllText(DeployFiles.PathOf("docker", "Dockerfile"));
        var stages = FromLine().Matches(dockerfile).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, stages.Count);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", stages[0]);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", stages[1]);
        Assert.Matches(@"(?m)^USER \$APP_UID$", dockerfile);
        Assert.Matches(@"(?m)^ENTRYPOINT \[""/app/entrypoint.sh""\]$", dockerfile);

        // The restore layer copies each project file the three processes reference, and nothing that is not there.
        var copied = CopyLine().Matches(dockerfile).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.All(copied, path => Assert.True(File.Exists(Path.Combine(Repository.Root, path)), $"the Dockerfile copies {path}, which does not exist"));
        foreach (var project in new[] { "silo/BashuCloud.Silo/BashuCloud.Silo.csproj", "api/BashuCloud.Api/BashuCloud.Api.csproj", "tools/BashuCloud.Cli/BashuCloud.Cli.csproj" })
        {
            Assert.Contains(project, copied);
            Assert.All(ProjectClosure(project), needed => Assert.True(copied.Contains(needed), $"the Dockerfile restores {project} without copying {needed}"));
            Assert.Contains($"dotnet publish {project}", dockerfile);
        }

        var entrypoint = File.ReadAllText(DeployFiles.PathOf("docker", "entrypoint.sh"));
        foreach (var (command, dll) in new[] { ("silo", "/app/silo/BashuCloud.Silo.dll"), ("api", "/app/api/BashuCloud.Api.dll"), ("cli", "/app/cli/BashuCloud.Cli.dll") })
        {
            Assert.Matches($@"(?m)^\s*{command}\) exec dotnet {Regex.Escape(dll)} ""\$@"" ;;", entrypoint);
            Assert.Contains($"-o /out/{command}", dockerfile);
        }
    }

    /// <summary>The project files a project references, directly or through others (paths from the repository root).</summary>
    private static HashSet<string> ProjectClosure(string project)
    {
        var found = new HashSet<string>();
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            var directory = Path.GetDirectoryName(Path.Combine(Repository.Root, current))!;
            foreach (Match reference in ProjectReference().Matches(File.ReadAllText(Path.Combine(Repository.Root, current))))
            {
                var path = Path.GetRelativePath(Repository.Root, Path.GetFullPath(Path.Combine(directory, reference.Groups[1].Value))).Replace('\\', '/');
                if (found.Add(path)) pending.Push(path);
            }
        }
        return found;
    }

    private static List<string> Command(YamlNode service) => [.. service.Items("command").Select(c => ((YamlScalarNode)c).Value!)];

    [GeneratedRegex(@"(?m)^FROM (\S+)")]
    private static partial Regex FromLine();

    [GeneratedRegex(@"(?m)^COPY (\S+\.csproj) ")]
    private static partial Regex CopyLine();

    [GeneratedRegex(@"<ProjectReference Include=""([^""]+)""")]
    private static partial Regex ProjectReference();

    [GeneratedRegex(@"(?i)password\s*[=:]\s*\S")]
    private static partial Regex SecretLooking();
}
