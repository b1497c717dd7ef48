using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace BashuCloud.Tests.Support;

/// <summary>
/// `./bashu up` run as a newcomer runs it, a real process that starts its own PostgreSQL, both regional silos and the
/// API, seeds them and watches over them. Each instance has a state directory and ports of its own (BASHU_STATE_DIR,
/// BASHU_PG_PORT, BASHU_API_URL, BASHU_*_SILO_PORT, BASHU_*_GATEWAY_PORT), so it runs beside other tests and beside a
/// developer's own `./bashu up`; `--no-build`, because the suite has built everything (and is running from it).
/// </summary>
public sealed class BashuUp : PlatformProcesses
{
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;
    private readonly string _state = Path.Combine(Path.GetTempPath(), $"bashu-up-{Guid.NewGuid():N}"[..20]);
    private readonly int _postgresPort = FreePort();
    private readonly int _apiPort = FreePort();
    private PlatformProcess _up = null!;

    /// <summary>What every process `./bashu up` starts uses: it sets no cluster id of its own.</summary>
    public override string ClusterId => "bashu";

    public int SichuanSiloPort { get; } = FreePort();

    /// <summary>What `./bashu up` has printed so far (stdout and stderr).</summary>
    public string Output => _up.Output;

    public bool Running => !_up.HasExited;

    /// <summary>The log `./bashu up` keeps for one of its processes: silo-sichuan, silo-chongqing, api.</summary>
    public string LogOf(string process) => Path.Combine(_state, "logs", $"{process}.log");

    /// <summary>Starts `./bashu up` and waits until it has printed that the platform is running.</summary>
    public override async Task InitializeAsync()
    {
        Directory.CreateDirectory(LogDirectory);
        var name = Path.GetFileName(_state);
        _up = PlatformProcess.Start([Path.Combine(Repository.Root, "bashu"), "up", "--no-build"], name, Path.Combine(LogDirectory, $"{name}.log"), new Dictionary<string, string>
        {
            ["BASHU_STATE_DIR"] = _state,
            ["BASHU_CONFIGURATION"] = Repository.Configuration,
            ["BASHU_PG_PORT"] = _postgresPort.ToString(CultureInfo.InvariantCulture),
            ["BASHU_API_URL"] = $"http://127.0.0.1:{_apiPort}",
            ["BASHU_SICHUAN_SILO_PORT"] = SichuanSiloPort.ToString(CultureInfo.InvariantCulture),
            ["BASHU_SICHUAN_GATEWAY_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["BASHU_CHONGQING_SILO_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["BASHU_CHONGQING_GATEWAY_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["BASHU_ADMIN_KEY"] = AdminKey,
            // The edit load is one administrator's key sending hundreds of requests a second: lift that key's budget
            // (Bashu:UserRequestsPerMinute, 1,200 by default), as an operator would for a load test.
            ["Bashu__UserRequestsPerMinute"] = "10000000",
        });
        try
        {
            await WaitUntilRunningAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilRunningAsync()
    {
        // A first run creates PostgreSQL, applies the schema, starts the silos and the API and loads the seed data.
        if (!await Failovers.WaitAsync(() => Task.FromResult(_up.HasExited || Output.Contains("is running", StringComparison.Ordinal)), TimeSpan.FromMinutes(5)) || _up.HasExited)
        {
            throw new InvalidOperationException($"./bashu up did not start the platform: {_up.Tail()}");
        }
        Database = TestDatabase.Attach($"Host=127.0.0.1;Port={_postgresPort};Database=bashu;Username=bashu");
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_apiPort}"), Timeout = TimeSpan.FromSeconds(30) };
        await WaitForSilosAsync(2);
    }

    /// <summary>The pid `./bashu up` wrote for one of its processes (silo-sichuan, silo-chongqing, api).</summary>
    public int PidOf(string process) => int.Parse(File.ReadAllText(PidFile(process)).Trim(), CultureInfo.InvariantCulture);

    private string PidFile(string process) => Path.Combine(_state, "logs", $"{process}.pid");

    /// <summary>SIGKILL to one of the processes of `./bashu up`, as when it crashes; returns its pid once it is gone.</summary>
    public int Kill(string process)
    {
        var pid = PidOf(process);
        using var victim = Process.GetProcessById(pid);
        victim.Kill();
        victim.WaitForExit();
        return pid;
    }

    /// <summary>Waits until `./bashu up` has started <paramref name="process"/> again (a new pid, running); returns the new pid.</summary>
    public async Task<int> WaitForRestartAsync(string process, int killed, TimeSpan timeout)
    {
        var pid = killed;
        var restarted = await Failovers.WaitAsync(() =>
        {
            pid = int.TryParse(ReadOrEmpty(PidFile(process)).Trim(), out var written) ? written : killed;
            return Task.FromResult(pid != killed && File.Exists($"/proc/{pid}/stat"));
        }, timeout);
        return restarted ? pid : throw new TimeoutException($"./bashu up did not start {process} again: {_up.Tail()}");
    }

    /// <summary>SIGTERM to `./bashu up`, as a service manager stops it; returns its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var term = Process.Start("kill", ["-TERM", _up.Id.ToString(CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
        return await WaitForExitAsync(timeout);
    }

    /// <summary>The exit code of `./bashu up`, once it ends by itself.</summary>
    public Task<int> WaitForExitAsync(TimeSpan timeout) => _up.WaitForExitAsync(timeout);

    /// <summary>
    /// Every process still running that `./bashu up` started, directly or not (PostgreSQL included): each inherited
    /// its environment, which names this instance's state directory. "pid command line" each.
    /// </summary>
    public IReadOnlyList<string> ProcessesStarted()
    {
        var marker = $"BASHU_STATE_DIR={_state}";
        return [.. Directory.GetDirectories("/proc").Where(dir => Path.GetFileName(dir).All(char.IsAsciiDigit))
            .Where(dir => ReadOrEmpty(Path.Combine(dir, "environ")).Split('\0').Contains(marker))
            .Select(dir => $"{Path.GetFileName(dir)} {ReadOrEmpty(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim()}")];
    }

    /// <summary>Holds a port (as another program would) so that a process that must listen on it fails at start.</summary>
    public static async Task<TcpListener> HoldPortAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var listener = new TcpListener(IPAddress.Any, port);
            // Linux's SO_REUSEADDR alone: bound past the killed process's closing connections, yet exclusive. .NET's
            // ReuseAddress would add SO_REUSEPORT, with which the silo could listen on the same port beside it.
            listener.Server.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            try
            {
                listener.Start();
                return listener;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                // The killed process's socket is still being closed.
                listener.Dispose();
                await Task.Delay(20);
            }
        }
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_up is not null && !_up.HasExited)
        {
            try
            {
                await TerminateAsync(TimeSpan.FromMinutes(2));
            }
            finally
            {
                _up.Kill();
            }
        }
        // PostgreSQL runs on after a failed test that killed `./bashu up` (it is not its child): stop it by its own command.
        using (var stop = Process.Start(new ProcessStartInfo(Path.Combine(Repository.Root, "bashu"), ["pg", "stop"]) { Environment = { ["BASHU_STATE_DIR"] = _state } })!)
        {
            await stop.WaitForExitAsync();
        }
        if (Directory.Exists(_state)) Directory.Delete(_state, recursive: true);
    }

    // A process may end while it is read; its files then read as nothing.
    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
