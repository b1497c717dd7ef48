using System.Diagnostics;

namespace BashuCloud.Bench;

/// <summary>
/// An open-loop load: requests leave on a fixed schedule whatever the answers do, and each latency is measured from
/// the moment its request was meant to leave, not from when it did. A closed loop (or a late sender) stops sending
/// while the system stalls and so never sees the requests that would have waited: coordinated omission.
/// </summary>
public sealed record FixedRate(string Name, int PerSecond, long Requests, long Failures, double P50Ms, double P95Ms, double P99Ms, double MaxMs)
{
    public static async Task<FixedRate> RunAsync(string name, int perSecond, TimeSpan duration, Func<long, Task<bool>> request)
    {
        var total = (long)(perSecond * duration.TotalSeconds);
        var latencies = new double[total];
        long failures = 0;
        var sent = new List<Task>((int)total);
        var start = Stopwatch.GetTimestamp();
        var interval = Stopwatch.Frequency / (double)perSecond;
        for (long i = 0; i < total; i++)
        {
            var intended = start + (long)(i * interval);
            var early = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), intended);
            if (early > TimeSpan.Zero) await Task.Delay(early);
            var n = i;
            sent.Add(Task.Run(async () =>
            {
                try
                {
                    if (!await request(n)) Interlocked.Increment(ref failures);
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failures);
                }
                latencies[n] = Stopwatch.GetElapsedTime(intended).TotalMilliseconds;
            }));
        }
        await Task.WhenAll(sent);
        Array.Sort(latencies);
        double At(double p) => latencies[Math.Min(latencies.Length - 1, (int)(p * latencies.Length))];
        return new FixedRate(name, perSecond, total, failures, At(0.50), At(0.95), At(0.99), latencies[^1]);
    }
}
