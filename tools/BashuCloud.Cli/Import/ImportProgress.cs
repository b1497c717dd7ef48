using System.Diagnostics;
using System.Text;

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
    private bool _barShown;

    /// <summary>Standard error's progress: live when it is a terminal.</summary>
    public static ImportProgress ForStandardError(int total) => new(total, Console.Error, !Console.IsErrorRedirected);

    /// <summary>Where other messages (a retry) go: below the bar, which the next report draws again.</summary>
    public TextWriter Log => live ? new BelowBar(this, output) : output;

    public void Report(int done, ImportTally tally)
    {
        var percent = total == 0 ? 100 : done * 100 / total;
        if (live)
        {
            var filled = total == 0 ? Width : done * Width / total;
            output.Write($"\r导入 (import) [{new string('█', filled)}{new string('░', Width - filled)}] {percent,3}% {done}/{total}  "
                + $"新建 {tally.Created} 更新或未变 {tally.Updated} 拒绝 {tally.Rejected.Count}");
            _barShown = true;
            if (done == total) EndBar();
            return;
        }
        if (done < total && Stopwatch.GetElapsedTime(_lastPlain) < PlainEvery) return;
        _lastPlain = Stopwatch.GetTimestamp();
        output.WriteLine($"导入进度 (import progress): {done}/{total} ({percent}%)，新建 (created) {tally.Created}，"
            + $"更新或未变 (updated or unchanged) {tally.Updated}，拒绝 (rejected) {tally.Rejected.Count}");
    }

    /// <summary>Ends the bar's line, if one is drawn, so that what follows starts on its own.</summary>
    public void EndBar()
    {
        if (!_barShown) return;
        _barShown = false;
        output.WriteLine();
    }

    private sealed class BelowBar(ImportProgress progress, TextWriter output) : TextWriter
    {
        public override Encoding Encoding => output.Encoding;

        public override void Write(char value)
        {
            progress.EndBar();
            output.Write(value);
        }

        public override void WriteLine(string? value)
        {
            progress.EndBar();
            output.WriteLine(value);
        }
    }
}
