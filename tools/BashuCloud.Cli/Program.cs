namespace BashuCloud.Cli;

/// <summary>巴蜀科技云 admin CLI, run through ./bashu. A named class: the API it references owns the global Program.</summary>
public static class Program
{
    public static Task<int> Main(string[] args) => Commands.RunAsync(args);
}
