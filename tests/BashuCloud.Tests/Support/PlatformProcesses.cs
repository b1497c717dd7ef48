using System.Diagnostics;
using System.Net.Sockets;

namespace BashuCloud.Tests.Support;

/// <summary>
/// The platform as it runs in production, started by the test: a fresh PostgreSQL database, one silo process per
/// region and the API process, each on its own ports, in a cluster of their own.
/// </summary>
public class PlatformProcesses : IAsyncLifetime
{
    public const string AdminKey = "bk_admin_tests_MTdLDNLhCExkG6FAunQbydLu";

    private readonly List<PlatformProcess> _silos = [];
    private readonly List<PlatformProcess> _apis = [];
    private PlatformProcess? _api;

    public virtual string ClusterId { get; } = $"test-{Guid.NewGuid():N}"[..16];

    public TestDatabase Database { get; protected set; } = null!;

    public HttpClient Http { get; protected set; } = null!;

    /// <summary>What the first API process wrote so far.</summary>
    public string ApiOutput => _api?.Output ?? "";

    public string LogDirectory { get; } = Path.Combine(Repository.Root, "TestResults", "logs");

    /// <summary>One silo per region by default; a test of two deployments side by side runs one silo each (it serves both regions).</summary>
    public IReadOnlyList<string> SiloRegions { get; init; } = ["sichuan", "chongqing"];

    /// <summary>
    /// Settings every silo of this fixture gets (a subclass may change the projection, say): the regions' expiry
    /// sweepers look every second, so a listing past its date expires while a test waits.
    /// </summary>
    protected virtual IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>
    {
        ["Bashu__Listings__ExpiryCheckPeriod"] = "00:00:01",
    };

    /// <summary>
    /// Settings every API process of this fixture gets: webhooks may reach the tests' local receivers, and retry
    /// quickly, so a test sees a delivery give up within seconds; housekeeping runs every second. The budgets of
    /// users' keys and anonymous callers are lifted: the suites send thousands of requests from one address and a few
    /// keys, and the poison suite sends dozens of sync batches at once (BoundedWorkApiTests runs its own processes
    /// with small budgets and one batch at a time).
    /// </summary>
    protected virtual IReadOnlyDictionary<string, string> ApiSettings => new Dictionary<string, string>
    {
        ["Bashu__AnonymousRequestsPerMinute"] = "10000000",
        ["Bashu__UserRequestsPerMinute"] = "10000000",
        ["Bashu__MaxConcurrentSyncBatches"] = "64",
        ["Bashu__Webhooks__AllowLocalTargets"] = "true",
        ["Bashu__Webhooks__RetryBaseSeconds"] = "0.2",
        ["Bashu__Webhooks__MaxAttempts"] = "4",
        ["Bashu__Webhooks__PollMilliseconds"] = "100",
        ["Bashu__Webhooks__MaxSubscriptionsPerPlatform"] = "100",
        ["Bashu__HousekeepingIntervalSeconds"] = "1",
    };

    public virtual async Task InitializeAsync()
    {
        Directory.CreateDirectory(LogDirectory);
        Database = await CreateDatabaseAsync();
        foreach (var region in SiloRegions) StartSilo(region);
        (_api, Http) = StartApiProcess("api");
        await WaitForSilosAsync(SiloRegions.Count);
    }

    /// <summary>The platform's database: by default a fresh one on the suite's PostgreSQL.</summary>
    protected virtual Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.CreateAsync();

    /// <summary>Another API process of the same cluster (as behind a load balancer); ready when this returns.</summary>
    public async Task<HttpClient> StartApiAsync() => (await StartApiAsync(new Dictionary<string, string?>())).Http;

    /// <summary>Another API process with settings of its own over the fixture's (a null value leaves one out); ready when this returns.</summary>
    public async Task<(HttpClient Http, PlatformProcess Process)> StartApiAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var (process, http) = StartApiProcess($"api-{_apis.Count + 2}", settings);
        _apis.Add(process);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"The API process exited: {process.Tail()}");
            try
            {
                using var response = await http.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK) return (http, process);
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"The API process did not become ready: {process.Tail()}");
    }

    private (PlatformProcess Process, HttpClient Http) StartApiProcess(string name, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var port = FreePort();
        var environment = new Dictionary<string, string>(ApiSettings) { ["BASHU_ADMIN_KEY"] = AdminKey };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is null) environment.Remove(key);
            else environment[key] = value;
        }
        var process = PlatformProcess.Start(["dotnet", Repository.ApiDll, "--urls", $"http://127.0.0.1:{port}"], name, LogFile(name), Environment(environment));
        return (process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) });
    }

    /// <summary>Starts a silo process of a region; returns its name ("sichuan-40123").</summary>
    public string StartSilo(string region, IReadOnlyDictionary<string, string>? settings = null)
    {
        var siloPort = FreePort();
        var name = $"{region}-{siloPort}";
        var host = HostOf(region);
        var environment = new Dictionary<string, string>(SiloSettings)
        {
            ["Bashu__Region"] = region,
            ["Bashu__SiloPort"] = siloPort.ToString(),
            ["Bashu__GatewayPort"] = FreePort().ToString(),
            ["Bashu__AdvertisedAddress"] = host.Address,
            ["ConnectionStrings__Bashu"] = host.ConnectionString ?? Database.ConnectionString,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) environment[key] = value;
        string[] command = host.NetworkNamespace is { } ns ? ["ip", "netns", "exec", ns, "dotnet", Repository.SiloDll] : ["dotnet", Repository.SiloDll];
        _silos.Add(PlatformProcess.Start(command, name, LogFile(name), Environment(environment)));
        return name;
    }

    /// <summary>Where a region's silos run: here on loopback, unless a fixture gives the region a network of its own.</summary>
    protected virtual SiloHost HostOf(string region) => new(null, "127.0.0.1", null);

    /// <summary>A network namespace to run in (null: this one), the address to advertise, and how to reach PostgreSQL from there (null: as the tests do).</summary>
    protected sealed record SiloHost(string? NetworkNamespace, string Address, string? ConnectionString);

    private string LogFile(string name) => Path.Combine(LogDirectory, $"{ClusterId}-{name}.log");

    public IReadOnlyList<string> Silos => [.. _silos.Where(s => !s.HasExited).Select(s => s.Name)];

    /// <summary>Whether the silo's process has ended (killed, or stopped by itself).</summary>
    public bool HasExited(string name) => _silos.Single(s => s.Name == name).HasExited;

    /// <summary>SIGKILL: no goodbye, no flush, as when a machine dies.</summary>
    public void KillSilo(string name) => _silos.Single(s => s.Name == name && !s.HasExited).Kill();

    /// <summary>Waits until /health/ready reports this many active silos.</summary>
    public async Task WaitForSilosAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            if (_api is { HasExited: true }) throw new InvalidOperationException($"The API process exited: {_api.Tail()}");
            try
            {
                using var response = await Http.GetAsync("/health/ready");
                last = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.OK && ActiveSilos(last) == count) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"Expected {count} active silos; last readiness: {last}\n{string.Join("\n", _silos.Select(s => s.Tail()))}");
    }

    public HttpRequestMessage Request(HttpMethod method, string path, object? body = null, string? key = AdminKey, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (body is string raw) request.Content = new StringContent(raw, System.Text.Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = JsonContent.Create(body, options: BashuJson.Options);
        return request;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? key = AdminKey, string? ifMatch = null)
    {
        using var request = Request(method, path, body, key, ifMatch);
        return await Http.SendAsync(request);
    }

    public virtual async Task DisposeAsync()
    {
        Http?.Dispose();
        _api?.Kill();
        foreach (var api in _apis) api.Kill();
        foreach (var silo in _silos) silo.Kill();
        if (Database is not null) await Database.DisposeAsync();
    }

    private Dictionary<string, string> Environment(Dictionary<string, string> extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Bashu"] = Database.ConnectionString,
            ["Bashu__ClusterId"] = ClusterId,
            ["DOTNET_gcServer"] = "0",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
        };
        foreach (var (key, value) in extra) environment[key] = value;
        return environment;
    }

    private static int ActiveSilos(string readiness)
    {
        using var json = JsonDocument.Parse(readiness);
        var data = json.RootElement.GetProperty("checks").GetProperty("cluster").GetProperty("data");
        return data.EnumerateObject().Sum(p => p.Value.GetInt32());
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A child process whose output goes to a log file (never a pipe that could fill up and block it).</summary>
public sealed class PlatformProcess
{
    private readonly Process _process;
    private readonly string _log;

    private PlatformProcess(Process process, string log, string name)
    {
        _process = process;
        _log = log;
        Name = name;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="command"/> (dotnet and its arguments, perhaps after a prefix such as ip netns exec).</summary>
    public static PlatformProcess Start(IReadOnlyList<string> command, string name, string log, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        // exec: the shell becomes the process (ip netns exec execs too), so killing it kills the silo itself.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$@\" >>\"$BASHU_TEST_LOG\" 2>&1");
        start.ArgumentList.Add("sh");
        foreach (var part in command) start.ArgumentList.Add(part);
        start.Environment["BASHU_TEST_LOG"] = log;
        foreach (var (key, value) in environment) start.Environment[key] = value;
        return new PlatformProcess(Process.Start(start)!, log, name);
    }

    /// <summary>The exit code, once the process ends by itself within the timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not end within {timeout}: {Tail()}");
        }
        return _process.ExitCode;
    }

    /// <summary>Everything the process wrote (stdout and stderr).</summary>
    public string Output => File.Exists(_log) ? File.ReadAllText(_log) : "";

    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public string Tail() => File.Exists(_log) ? $"--- {Name}:\n" + string.Join("\n", File.ReadLines(_log).TakeLast(30)) : $"--- {Name}: no log";
}
