using System.Runtime.InteropServices;
using BashuCloud.Cli.Http;

namespace BashuCloud.Cli.Mirror;

/// <summary>`bashu mirror`: exit code 0 when done (or stopped by a signal), 1 when a side failed or entries were refused, 2 for a bad command line.</summary>
public static class MirrorCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.WriteLine($"用法 (usage):\n{MirrorOptions.Usage}");
            return 0;
        }
        MirrorOptions options;
        try
        {
            options = MirrorOptions.Parse(args, Environment.GetEnvironmentVariable);
        }
        catch (UsageException usage)
        {
            Console.Error.WriteLine($"错误 (error): {usage.Message}\n用法 (usage):\n{MirrorOptions.Usage}");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        // Ctrl-C and SIGTERM end the run between requests; the cursor file keeps the last page applied.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop(stop));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop(stop));
        int? attempts = options.Once ? 8 : null;
        using var source = new NodeClient(options.From, options.FromKey, ("源节点", "source"), attempts, Console.Error);
        using var local = new NodeClient(options.To, options.ToKey, ("本地节点", "local node"), attempts, Console.Error);
        var mirror = new NodeMirror(options, source, local, Console.Out);
        Console.WriteLine($"镜像 (mirroring) {options.From} → {options.To} as {options.As}; 游标文件 (state) {options.StatePath}");
        try
        {
            await mirror.RunAsync(stop.Token);
            Console.WriteLine($"已追上 (caught up). 合计 (total): {mirror.Total}");
            return mirror.Total.Failed > 0 ? 1 : 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.WriteLine($"已停止 (stopped). 合计 (total): {mirror.Total}");
            return 0;
        }
        catch (RunStoppedException failure)
        {
            Console.Error.WriteLine($"错误 (error): {failure.Message}");
            Console.WriteLine($"合计 (total): {mirror.Total}");
            return 1;
        }
        catch (UsageException usage)
        {
            Console.Error.WriteLine($"错误 (error): {usage.Message}");
            return 2;
        }
    }

    private static Action<PosixSignalContext> Stop(CancellationTokenSource stop) => context =>
    {
        context.Cancel = true;
        stop.Cancel();
    };
}
