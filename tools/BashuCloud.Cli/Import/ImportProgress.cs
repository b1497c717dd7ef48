using System.Diagnostics;

namespace BashuCloud.Cli.Import;

/// <summary>
/// Progress on stderr, so stdout keeps only the summary: on a terminal one bar redrawn in place; otherwise (a log,
/// a pipe, CI) a plain line at most every few seconds and at the end, since carriage returns garble a log.
/// </summary>
public sealed class ImportProgress(int total, TextWriter output, bool live)
{
    private const int Width = 30;
    private static readonly TimeSpan PlainEvery = TimeSpan.FromSeconds(3);
    private long _lastPlain = Stopwatch.GetTimestamp();

    /// <summary>Standard error's progress: live when it is a terminal.</summary>
    public static ImportProgress ForStandardError(int total) => new(total, Console.Error, !Console.IsErrorRedirected);

    public void Report(int done, ImportTally tally)
    {
        var percent = total == 0 ? 100 : done * 100 / total;
        if (live)
        {
            var filled = total == 0 ? Width : done * Width / total;
            output.Write($"\r导入 (import) [{new string('█', filled)}{new string('░', Width - filled)}] {percent,3}% {done}/{total}  "
                + $"新建 {tally.Created} 更新或未变 {tally.Updated} 拒绝 {tally.Rejected.Count}");
            if (done == total) output.WriteLine();
            return;
        }
        if (done < total && Stopwatch.GetElapsedTime(_lastPlain) < PlainEvery) return;
        _lastPlain = Stopwatch.GetTimestamp();
        output.WriteLine($"导入进度 (import progress): {done}/{total} ({percent}%)，新建 (created) {tally.Created}，"
            + $"更新或未变 (updated or unchanged) {tally.Updated}，拒绝 (rejected) {tally.Rejected.Count}");
    }
}
