namespace BashuCloud.Tests.Support;

/// <summary>Where the built silo, API and CLI live, so tests can start them as real processes.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>Release or Debug: whatever this test assembly was built as.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public static string SiloDll => Built("silo/BashuCloud.Silo", "BashuCloud.Silo.dll");

    public static string ApiDll => Built("api/BashuCloud.Api", "BashuCloud.Api.dll");

    public static string CliDll => Built("tools/BashuCloud.Cli", "BashuCloud.Cli.dll");

    public static string SeedData => Path.Combine(Root, "seeds", "data");

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build the solution first (./bashu test does).");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BashuCloud.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("BashuCloud.sln not found above the test directory.");
    }
}
