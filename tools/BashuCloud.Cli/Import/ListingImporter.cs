using System.Net;
using BashuCloud.Api.Partners;
using BashuCloud.Cli.Http;

namespace BashuCloud.Cli.Import;

/// <summary>What an import did, row by row; rejections keep their row's place in the file.</summary>
public sealed class ImportTally
{
    private readonly SortedList<int, (string Where, string Reasons)> _rejected = [];

    public int Read { get; init; }

    public int Created { get; set; }

    /// <summary>Upserts of listings that existed: updated, or unchanged when the content was the same (no new version).</summary>
    public int Updated { get; set; }

    public int Withdrawn { get; set; }

    public IList<(string Where, string Reasons)> Rejected => _rejected.Values;

    public void Reject(int row, string where, string reasons) => _rejected[row] = (where, reasons);
}

/// <summary>
/// Sends the rows to POST /api/v1/sync/batch, the partners' import, a platform at a time and 100 items a request,
/// and tallies each item's answer. The CLI goes through the API rather than the cluster on purpose: the batch
/// endpoint is the one place that applies a partner's items (its fast path for new external ids, the external-id
/// grains for the rest, each item's own answer), and it authenticates the key, so an import is checked, written and
/// audited under a real principal exactly as a partner's sync, and can run from any machine that reaches the API.
/// </summary>
public sealed class ListingImporter(NodeClient api, ImportProgress progress)
{
    /// <summary>Items a request: the bar moves every few hundred milliseconds; the endpoint takes up to 1,000.</summary>
    public const int ChunkSize = 100;

    private readonly string _run = Guid.NewGuid().ToString("N");

    /// <summary>Imports the rows under <paramref name="platform"/> (null: each row's platformId); throws <see cref="RunStoppedException"/> when the API refuses a whole request.</summary>
    public async Task RunAsync(IReadOnlyList<ImportRow> rows, string? platform, ImportTally tally, CancellationToken cancellationToken)
    {
        var pending = new List<(int Row, string Platform, SyncItem Item)>();
        for (var i = 0; i < rows.Count; i++)
        {
            var (where, item, problem) = rows[i];
            if (item is null) tally.Reject(i, where, problem!);
            else if ((platform ?? item.Listing?.PlatformId) is { } owner) pending.Add((i, owner, item));
            else tally.Reject(i, where, "platformId: 必填，或用 --platform 指定平台 (required, or name the platform with --platform)");
        }
        var done = rows.Count - pending.Count;
        progress.Report(done, tally);
        var requests = 0;
        foreach (var chunk in pending.GroupBy(p => p.Platform).SelectMany(g => g.Chunk(ChunkSize)))
        {
            var answer = await SendAsync(chunk[0].Platform, [.. chunk.Select(c => c.Item)], ++requests, cancellationToken);
            foreach (var result in answer.Results)
            {
                var (row, _, item) = chunk[result.Index];
                switch (result.Status)
                {
                    case (int)HttpStatusCode.Created: tally.Created++; break;
                    case (int)HttpStatusCode.OK when item.Op == "withdraw": tally.Withdrawn++; break;
                    case (int)HttpStatusCode.OK: tally.Updated++; break;
                    default: tally.Reject(row, rows[row].Where, Reasons(result)); break;
                }
            }
            done += chunk.Length;
            progress.Report(done, tally);
        }
    }

    /// <summary>
    /// One request of items. Its Idempotency-Key (this run's, this request's) makes a retry after a lost answer get
    /// the first answer again, so a created listing is not counted as updated; the next run has keys of its own.
    /// </summary>
    private async Task<SyncBatchResponse> SendAsync(string platform, SyncItem[] items, int request, CancellationToken cancellationToken)
    {
        var batch = new SyncBatchRequest(platform, items);
        var key = $"bashu-import-{_run}-{request}";
        using var response = await api.SendAsync(() => NodeClient.Request(HttpMethod.Post, SyncBatchEndpoints.Path, batch, idempotencyKey: key), cancellationToken);
        try
        {
            return await NodeClient.ReadAsync<SyncBatchResponse>(response, $"平台 {platform} 的批量同步 (the sync batch of platform {platform})", cancellationToken);
        }
        catch (EntryRefusedException refused)
        {
            // The whole request was refused (an unknown platform, a key without listings:write): no later one would pass.
            throw new RunStoppedException(refused.Message);
        }
    }

    /// <summary>The API's reasons, field by field (Chinese first, as the API writes them).</summary>
    private static string Reasons(SyncItemResult result) =>
        result.Errors is { Count: > 0 } errors
            ? string.Join("；", errors.Select(e => $"{e.Key}: {string.Join("；", e.Value)}"))
            : $"HTTP {result.Status} {result.Error}";
}
