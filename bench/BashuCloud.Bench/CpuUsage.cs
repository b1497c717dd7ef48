using System.Diagnostics;
using System.Globalization;

namespace BashuCloud.Bench;

/// <summary>
/// Where the machine's CPU went during a measurement: this load generator, the silos, the API, and everything
/// else (PostgreSQL, mostly). Read from /proc, so Linux only.
/// </summary>
public sealed record CpuUsage(double Load, double Silos, double Api, double Rest)
{
    private static readonly string[] Watched = ["BashuCloud.Bench.dll", "BashuCloud.Silo.dll", "BashuCloud.Api.dll"];

    public static CpuSnapshot Take() => new(TotalMachineSeconds(), ProcessSeconds());

    public static CpuUsage Between(CpuSnapshot start, CpuSnapshot end)
    {
        double Of(string name) => end.Processes.Where(p => p.Key.Name == name).Sum(p => p.Value - start.Processes.GetValueOrDefault(p.Key));
        var load = Of("BashuCloud.Bench.dll");
        var silos = Of("BashuCloud.Silo.dll");
        var api = Of("BashuCloud.Api.dll");
        return new CpuUsage(load, silos, api, Math.Max(0, end.Machine - start.Machine - load - silos - api));
    }

    public static CpuUsage operator +(CpuUsage a, CpuUsage b) => new(a.Load + b.Load, a.Silos + b.Silos, a.Api + b.Api, a.Rest + b.Rest);

    public static readonly CpuUsage None = new(0, 0, 0, 0);

    /// <summary>Microseconds of CPU per operation in each column: generator / silos / API / rest.</summary>
    public string PerOperation(double operations) => string.Create(CultureInfo.InvariantCulture,
        $"{Load / operations * 1e6:F0} / {Silos / operations * 1e6:F0} / {Api / operations * 1e6:F0} / {Rest / operations * 1e6:F0}");

    public override string ToString() =>
        $"CPU s: load generator {Load:F1}, silos {Silos:F1}, API {Api:F1}, PostgreSQL and the rest {Rest:F1}";

    private static double TotalMachineSeconds()
    {
        // First line of /proc/stat: user nice system idle iowait irq softirq steal ... in clock ticks (100/s).
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        return (fields.Sum() - fields[3] - fields[4]) / 100.0;
    }

    private static Dictionary<(int Pid, string Name), double> ProcessSeconds()
    {
        var result = new Dictionary<(int, string), double>();
        foreach (var process in Process.GetProcessesByName("dotnet"))
        {
            try
            {
                var commandLine = File.ReadAllText($"/proc/{process.Id}/cmdline").Replace('\0', ' ');
                var name = Watched.FirstOrDefault(commandLine.Contains);
                if (name is not null) result[(process.Id, name)] = process.TotalProcessorTime.TotalSeconds;
            }
            catch (Exception exception) when (exception is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
            }
        }
        return result;
    }
}

public sealed record CpuSnapshot(double Machine, Dictionary<(int Pid, string Name), double> Processes);
