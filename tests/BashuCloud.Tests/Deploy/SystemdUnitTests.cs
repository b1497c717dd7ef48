using System.Diagnostics;

namespace BashuCloud.Tests.Deploy;

/// <summary>
/// deploy/systemd: checked by systemd's own verifier where the machine has it (systemd-analyze verify), and always
/// against what the services need: a dedicated user, hardening, a stop timeout above the silo's graceful 30 s,
/// and environment files whose examples set only real settings.
/// </summary>
public sealed class SystemdUnitTests
{
    private static readonly string Directory = DeployFiles.PathOf("systemd");

    private static readonly string[] Regions = ["sichuan", "chongqing"];

    private static readonly Dictionary<string, string[]> Processes = new()
    {
        ["bashu-silo@.service"] = [ProcessSettings.Silo],
        ["bashu-api.service"] = [ProcessSettings.Api],
        ["bashu-migrate.service"] = [ProcessSettings.Cli],
    };

    // The directives our units use, by section: without systemd-analyze, a misspelt one still fails here.
    private static readonly Dictionary<string, HashSet<string>> Directives = new()
    {
        ["Unit"] = ["Description", "Documentation", "Wants", "After", "Requires", "Before"],
        ["Service"] =
        [
            "Type", "User", "Group", "WorkingDirectory", "EnvironmentFile", "Environment", "ExecStart", "KillSignal", "TimeoutStopSec",
            "Restart", "RestartSec", "LimitNOFILE", "NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices",
            "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "ProtectClock", "ProtectHostname",
            "RestrictSUIDSGID", "RestrictNamespaces", "RestrictRealtime", "LockPersonality", "CapabilityBoundingSet", "AmbientCapabilities",
            "RestrictAddressFamilies", "SystemCallArchitectures", "UMask",
        ],
        ["Install"] = ["WantedBy"],
    };

    [Fact]
    public void Every_unit_runs_as_a_dedicated_user_hardened_and_stops_after_the_silos_graceful_30_seconds()
    {
        Assert.Equal(Processes.Keys.Order(), System.IO.Directory.GetFiles(Directory, "*.service").Select(f => Path.GetFileName(f)).Order());
        foreach (var file in Processes.Keys)
        {
            var unit = DeployFiles.Unit(Path.Combine(Directory, file));
            foreach (var (section, keys) in unit)
            {
                Assert.True(Directives.ContainsKey(section), $"{file}: unknown section [{section}]");
                Assert.All(keys, k => Assert.True(Directives[section].Contains(k.Key), $"{file}: [{section}] {k.Key} is not a directive we use"));
            }
            var service = unit["Service"].ToLookup(k => k.Key, k => k.Value);
            Assert.Equal("bashu", Assert.Single(service["User"]));
            Assert.Equal("yes", Assert.Single(service["NoNewPrivileges"]));
            Assert.Equal("strict", Assert.Single(service["ProtectSystem"]));
            Assert.StartsWith("/usr/bin/dotnet /opt/bashu/", Assert.Single(service["ExecStart"]));
            if (Assert.Single(service["Type"]) == "oneshot") continue;
            Assert.Equal("on-failure", Assert.Single(service["Restart"]));
            Assert.Equal("SIGTERM", Assert.Single(service["KillSignal"]));
            Assert.True(int.Parse(Assert.Single(service["TimeoutStopSec"])) > 30, $"{file} waits longer than a silo's graceful stop");
            Assert.Contains("multi-user.target", unit["Install"].Select(k => k.Value));
        }
    }

    [Fact]
    public void The_silo_unit_takes_its_region_from_the_instance_name()
    {
        var service = DeployFiles.Unit(Path.Combine(Directory, "bashu-silo@.service"))["Service"];
        Assert.EndsWith(" --Bashu:Region=%i", service.Single(k => k.Key == "ExecStart").Value);
        Assert.Contains(("EnvironmentFile", "/etc/bashu/silo-%i.env"), service);
    }

    [Fact]
    public void Every_environment_file_has_an_example_that_sets_only_real_settings_of_its_services()
    {
        var readers = new Dictionary<string, HashSet<string>>();
        foreach (var (file, processes) in Processes)
        {
            var unit = DeployFiles.Unit(Path.Combine(Directory, file));
            foreach (var (_, value) in unit["Service"].Where(k => k.Key == "Environment"))
            {
                var name = value[..value.IndexOf('=', StringComparison.Ordinal)];
                Assert.True(ProcessSettings.IsSettingOfAny(processes, name), $"{file}: Environment={name} is not a setting of its process");
            }
            foreach (var (_, value) in unit["Service"].Where(k => k.Key == "EnvironmentFile"))
            {
                // The silo's per-region file exists for both regions.
                var names = value.Contains("%i", StringComparison.Ordinal) ? Regions.Select(r => value.Replace("%i", r, StringComparison.Ordinal)) : new[] { value };
                foreach (var path in names)
                {
                    Assert.StartsWith("/etc/bashu/", path);
                    (readers.TryGetValue(Path.GetFileName(path), out var set) ? set : readers[Path.GetFileName(path)] = []).UnionWith(processes);
                }
            }
        }
        foreach (var (file, processes) in readers)
        {
            var example = Path.Combine(Directory, file + ".example");
            Assert.True(File.Exists(example), $"{file} has an example {example}");
            var names = DeployFiles.EnvironmentNames(example);
            Assert.NotEmpty(names);
            Assert.All(names, name => Assert.True(ProcessSettings.IsSettingOfAny(processes, name), $"{file}: {name} is read by none of {string.Join(", ", processes)}"));
        }
        Assert.Contains("ConnectionStrings__Bashu", DeployFiles.EnvironmentNames(Path.Combine(Directory, "common.env.example")));
    }

    [Fact]
    public async Task Systemd_itself_finds_nothing_wrong_with_the_units()
    {
        const string Analyze = "/usr/bin/systemd-analyze";
        if (!File.Exists(Analyze)) return; // The structural tests above still ran; this machine has no systemd to ask.
        var copy = Path.Combine(Path.GetTempPath(), $"bashu-units-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(copy);
        try
        {
            // A template is verified through an instance of it.
            var units = Processes.Keys.Select(f => Path.Combine(copy, f.Replace("@.", "@sichuan.", StringComparison.Ordinal))).ToList();
            foreach (var (file, target) in Processes.Keys.Zip(units)) File.Copy(Path.Combine(Directory, file), target);
            var start = new ProcessStartInfo(Analyze) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("verify");
            start.ArgumentList.Add("--man=no");
            foreach (var unit in units) start.ArgumentList.Add(unit);
            using var verify = Process.Start(start)!;
            var output = verify.StandardOutput.ReadToEndAsync();
            var errors = await verify.StandardError.ReadToEndAsync();
            await verify.WaitForExitAsync();
            // It warns (unknown keys, bad values) on stderr with exit code 0: any word from it is a failure.
            Assert.True(verify.ExitCode == 0 && errors.Length == 0, $"systemd-analyze verify: {errors}{await output}");
        }
        finally
        {
            System.IO.Directory.Delete(copy, recursive: true);
        }
    }
}
