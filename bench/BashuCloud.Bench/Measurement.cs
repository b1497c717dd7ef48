using System.Diagnostics;

namespace BashuCloud.Bench;

/// <summary>Operations per second and latency percentiles of one closed-loop run.</summary>
public sealed record Measurement(string Name, long Operations, long Failures, double Seconds, double P50Ms, double P99Ms)
{
    public double PerSecond => Operations / Seconds;

    /// <summary>Runs <paramref name="operation"/> from <paramref name="workers"/> concurrent loops for a fixed time.</summary>
    public static async Task<Measurement> RunAsync(string name, int workers, TimeSpan duration, Func<int, long, Task<bool>> operation)
    {
        var latencies = new List<double>[workers];
        long failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = new List<double>(100_000);
            for (long i = 0; clock.Elapsed < duration; i++)
            {
                var started = Stopwatch.GetTimestamp();
                if (!await operation(worker, i)) Interlocked.Increment(ref failures);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Measurement(name, all.Length - failures, failures, seconds, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
