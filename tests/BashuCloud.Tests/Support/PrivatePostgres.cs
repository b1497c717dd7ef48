using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Npgsql;

namespace BashuCloud.Tests.Support;

/// <summary>
/// A PostgreSQL server of a test's own (its own data directory and port), for a test that kills the database: the
/// suite's shared server must stay up for the others. Durable as in production: fsync and synchronous_commit on.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _bin;

    private PrivatePostgres(string directory, string bin, int port)
    {
        _directory = directory;
        _bin = bin;
        Port = port;
    }

    public int Port { get; }

    private string Data => Path.Combine(_directory, "data");

    /// <summary>The server's postgres database, as the suite's <see cref="TestDatabase"/> expects it.</summary>
    public string ServerConnectionString => $"Host=127.0.0.1;Port={Port};Database=postgres;Username=bashu";

    public static async Task<PrivatePostgres> StartAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb"))) ?? throw new InvalidOperationException("No PostgreSQL binaries under /usr/lib/postgresql (./bashu test installs them).");
        var directory = Path.Combine(Path.GetTempPath(), $"bashu-pg-{Guid.NewGuid():N}"[..21]);
        Directory.CreateDirectory(directory);
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var postgres = new PrivatePostgres(directory, bin, port);
        if (Environment.UserName == "root") await RunAsync("chown", "postgres:postgres", directory);
        await postgres.AsPostgresAsync("initdb", "-D", postgres.Data, "-E", "UTF8", "--locale=C.UTF-8", "--auth=trust", "-U", "postgres");
        await File.AppendAllTextAsync(Path.Combine(postgres.Data, "postgresql.conf"), $"""

            listen_addresses = '127.0.0.1'
            port = {port}
            unix_socket_directories = '{directory}'
            max_connections = 200
            fsync = on
            synchronous_commit = on
            log_min_messages = warning
            """);
        await postgres.StartServerAsync();
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Database=postgres;Username=postgres");
        await connection.OpenAsync();
        await using var role = new NpgsqlCommand("CREATE ROLE bashu LOGIN CREATEDB CREATEROLE", connection);
        await role.ExecuteNonQueryAsync();
        return postgres;
    }

    /// <summary>SIGKILL to the postmaster and every backend: no checkpoint, no goodbye, as when the machine dies.</summary>
    public async Task KillAsync()
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(Data, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        var children = Directory.GetDirectories("/proc").Select(d => Path.GetFileName(d))
            .Where(name => name.All(char.IsAsciiDigit)).Select(int.Parse)
            .Where(pid => ParentOf(pid) == postmaster).ToArray();
        // One kill for all, the postmaster first: it must not see a backend die and start recovering on its own.
        await RunAsync("kill", ["-KILL", .. children.Prepend(postmaster).Select(pid => pid.ToString(CultureInfo.InvariantCulture))]);
        while (children.Prepend(postmaster).Any(IsRunning)) await Task.Delay(50);
    }

    /// <summary>Starts the server again on the same data: PostgreSQL replays its write-ahead log (crash recovery).</summary>
    public Task StartServerAsync() =>
        AsPostgresAsync("pg_ctl", "-D", Data, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "120", "start");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgresAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already down (the test killed it last).
        }
        Directory.Delete(_directory, recursive: true);
    }

    private Task AsPostgresAsync(string program, params string[] arguments) =>
        Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, program), .. arguments])
            : RunAsync(Path.Combine(_bin, program), arguments);

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {await output}{await error}");
    }

    // /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ')'.
    private static int? ParentOf(int pid) => StatFields(pid) is { } fields ? int.Parse(fields[1], CultureInfo.InvariantCulture) : null;

    // Killed but not yet reaped by its parent: a zombie runs nothing.
    private static bool IsRunning(int pid) => StatFields(pid) is { } fields && fields[0] != "Z";

    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
