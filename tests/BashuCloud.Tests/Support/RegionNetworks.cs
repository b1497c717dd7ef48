using System.Diagnostics;

namespace BashuCloud.Tests.Support;

/// <summary>
/// Each region in a network namespace of its own (ip netns), joined by a bridge in the test's namespace, where
/// PostgreSQL, the API and the test itself run. <see cref="Cut"/> isolates the regions' bridge ports from each
/// other: packets between the regions are dropped silently, as on a broken inter-region link, while both still
/// reach this namespace. Needs root (CAP_NET_ADMIN) and iproute2.
/// </summary>
public sealed class RegionNetworks : IDisposable
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..6];
    private readonly int _subnet = Random.Shared.Next(100, 250);

    private RegionNetworks()
    {
    }

    private string Bridge => $"bbr{_id}";

    public static RegionNetworks Create()
    {
        var networks = new RegionNetworks();
        try
        {
            networks.Run("ip", "link", "add", networks.Bridge, "type", "bridge");
            networks.Run("ip", "addr", "add", $"10.77.{networks._subnet}.1/24", "dev", networks.Bridge);
            networks.Run("ip", "link", "set", networks.Bridge, "up");
            foreach (var region in Regions.Regions.All)
            {
                var ns = networks.NamespaceOf(region);
                var port = networks.PortOf(region);
                networks.Run("ip", "netns", "add", ns);
                networks.Run("ip", "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
                networks.Run("ip", "link", "set", port, "master", networks.Bridge, "up");
                networks.Run("ip", "-n", ns, "link", "set", "lo", "up");
                networks.Run("ip", "-n", ns, "addr", "add", $"{networks.AddressOf(region)}/24", "dev", "eth0");
                networks.Run("ip", "-n", ns, "link", "set", "eth0", "up");
            }
            return networks;
        }
        catch
        {
            networks.Dispose();
            throw;
        }
    }

    public string NamespaceOf(Region region) => $"bashu-{region.Code()}-{_id}";

    public string AddressOf(Region region) => $"10.77.{_subnet}.{(int)region + 1}";

    /// <summary>The regions no longer reach each other; each still reaches this namespace.</summary>
    public void Cut() => Isolate(true);

    public void Heal() => Isolate(false);

    public void Dispose()
    {
        foreach (var region in Regions.Regions.All) TryRun("ip", "netns", "delete", NamespaceOf(region));
        TryRun("ip", "link", "delete", Bridge);
    }

    private string PortOf(Region region) => $"b{region.Code()[..2]}{_id}";

    private void Isolate(bool on)
    {
        foreach (var region in Regions.Regions.All)
        {
            Run("ip", "link", "set", "dev", PortOf(region), "type", "bridge_slave", "isolated", on ? "on" : "off");
        }
    }

    private void Run(params string[] command)
    {
        var (status, output) = Execute(command);
        if (status != 0) throw new InvalidOperationException($"`{string.Join(' ', command)}` failed ({status}): {output}. The partition test needs root and iproute2.");
    }

    private static void TryRun(params string[] command) => Execute(command);

    private static (int Status, string Output) Execute(string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var part in command.Skip(1)) start.ArgumentList.Add(part);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Trim());
    }
}
