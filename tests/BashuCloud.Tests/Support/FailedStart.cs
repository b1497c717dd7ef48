namespace BashuCloud.Tests.Support;

/// <summary>A silo or API process started with bad settings, which must stop by itself before it needs anything else.</summary>
public static class FailedStart
{
    /// <summary>Starts the process with these settings; it must end by itself, unsuccessfully; returns what it wrote.</summary>
    public static async Task<string> RunAsync(string dll, Dictionary<string, string> settings)
    {
        var name = $"startup-{Guid.NewGuid():N}"[..16];
        var logs = Path.Combine(Repository.Root, "TestResults", "logs");
        Directory.CreateDirectory(logs);
        var environment = new Dictionary<string, string>
        {
            // Nothing is listening there: the process must stop before it needs the database.
            ["ConnectionStrings__Bashu"] = "Host=127.0.0.1;Port=1;Database=none;Username=none",
            ["Bashu__Region"] = "sichuan",
            ["BASHU_ADMIN_KEY"] = PlatformProcesses.AdminKey,
        };
        foreach (var (key, value) in settings) environment[key] = value;
        var process = PlatformProcess.Start(["dotnet", dll, "--urls", $"http://127.0.0.1:{PlatformProcesses.FreePort()}"], name, Path.Combine(logs, $"{name}.log"), environment);
        try
        {
            Assert.NotEqual(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            return process.Output;
        }
        finally
        {
            process.Kill();
        }
    }
}
