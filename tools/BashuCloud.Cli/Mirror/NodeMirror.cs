using System.Net;
using System.Text.Json;
using BashuCloud.Cli.Http;
using BashuCloud.Listings;

namespace BashuCloud.Cli.Mirror;

/// <summary>One entry of the source's change feed: the listing as it is now, or a tombstone when the key may not see it.</summary>
public sealed record FeedEntry(string Id, int Version, bool Tombstone, JsonElement? Listing);

public sealed record FeedPage(IReadOnlyList<FeedEntry> Items, string NextCursor);

/// <summary>What the mirror needs of a listing besides its content.</summary>
public sealed record ListingHead(string Id, ListingStatus Status, int Version, string PlatformId);

/// <summary>
/// Pulls the source's change feed and makes the local deployment show what the source publishes: each published
/// listing under the external id "{as}/{source id}", published locally; each listing the source no longer shows,
/// withdrawn. A page is applied in feed order before its cursor is saved, and every step is idempotent, so a
/// mirror stopped at any point and started again only replays entries, which changes nothing.
/// </summary>
public sealed class NodeMirror(MirrorOptions options, NodeClient source, NodeClient local, TextWriter output)
{
    public const string WithdrawReason = "源节点已撤下 (withdrawn or unpublished at the source)";
    private const int WaitSeconds = 25;

    /// <summary>
    /// Even --once waits a little for an empty page: a change acknowledged a moment ago shows in the feed only once
    /// every transaction older than it has ended (milliseconds), and "caught up" must include it.
    /// </summary>
    private const int OnceWaitSeconds = 2;

    public MirrorTally Total { get; } = new();

    /// <summary>Runs until caught up (--once) or until cancelled; throws <see cref="RunStoppedException"/> when a side fails.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var cursor = CursorFile.Read(options.StatePath, options.From);
        for (var pageNumber = 1; ; pageNumber++)
        {
            var page = await ReadPageAsync(cursor, cancellationToken);
            if (page.Items.Count == 0)
            {
                if (options.Once) return;
                pageNumber--;
                continue;
            }
            var tally = new MirrorTally();
            foreach (var entry in page.Items) await ApplyAsync(entry, tally, cancellationToken);
            CursorFile.Write(options.StatePath, options.From, page.NextCursor);
            cursor = page.NextCursor;
            Total.Add(tally);
            output.WriteLine($"第 {pageNumber} 页 (page {pageNumber}): {tally}; 游标 (cursor) {cursor}");
        }
    }

    private async Task<FeedPage> ReadPageAsync(string? cursor, CancellationToken cancellationToken)
    {
        var query = $"api/v1/changes?limit={options.Limit}&wait={(options.Once ? OnceWaitSeconds : WaitSeconds)}"
            + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
        using var response = await source.SendAsync(() => NodeClient.Request(HttpMethod.Get, query), cancellationToken);
        try
        {
            return await NodeClient.ReadAsync<FeedPage>(response, "读取变更流 (reading the change feed)", cancellationToken);
        }
        catch (EntryRefusedException refused)
        {
            // Without the feed there is nothing to do: a key without changes:read (403), a cursor of another feed (400).
            throw new RunStoppedException($"源节点 (source): {refused.Message}");
        }
    }

    private async Task ApplyAsync(FeedEntry entry, MirrorTally tally, CancellationToken cancellationToken)
    {
        try
        {
            if (entry.Tombstone || entry.Listing is not { } listing) await RetractAsync(entry.Id, tally, cancellationToken);
            else await MirrorAsync(entry.Id, listing, tally, cancellationToken);
        }
        catch (EntryRefusedException refused)
        {
            tally.Failed++;
            output.WriteLine($"失败，已跳过 (failed, skipped) {entry.Id} v{entry.Version}: {refused.Message}");
        }
    }

    private async Task MirrorAsync(string id, JsonElement listing, MirrorTally tally, CancellationToken cancellationToken)
    {
        var head = listing.Deserialize<ListingHead>(BashuJson.Options)!;
        if (head.Status is not ListingStatus.Published || options.ExcludedPlatforms.Contains(head.PlatformId))
        {
            tally.Skipped++;
            return;
        }
        // The response's extra fields (id, status, owner, times) are not draft fields and are skipped on reading.
        var draft = listing.Deserialize<ListingDraft>(BashuJson.Options)! with { PlatformId = null };
        using var pushed = await local.SendAsync(() => NodeClient.Request(HttpMethod.Put, ExternalPath(id), draft), cancellationToken);
        var created = pushed.StatusCode is HttpStatusCode.Created;
        var steps = await PublishAsync(await NodeClient.ReadAsync<ListingHead>(pushed, "推送 (push)", cancellationToken), cancellationToken);
        if (created || steps > 0) tally.Applied++;
        else tally.Unchanged++;
    }

    /// <summary>Draft → submit → approve, from wherever the local listing is; returns the steps taken.</summary>
    private async Task<int> PublishAsync(ListingHead listing, CancellationToken cancellationToken)
    {
        var steps = 0;
        for (var round = 0; round < 4; round++)
        {
            var step = listing.Status switch { ListingStatus.Draft => "submit", ListingStatus.InReview => "approve", _ => null };
            if (step is null) break;
            var path = $"api/v1/listings/{listing.Id}/{step}";
            using var response = await local.SendAsync(() => NodeClient.Request(HttpMethod.Post, path, ifMatch: listing.Version), cancellationToken);
            // Someone (or our own retried request, whose answer was lost) moved it on: look again and go on from there.
            if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed)
            {
                listing = await ReadLocalAsync($"api/v1/listings/{listing.Id}", cancellationToken)
                    ?? throw new EntryRefusedException($"{step}: 本地项目不见了 (the local listing is gone)");
                continue;
            }
            listing = await NodeClient.ReadAsync<ListingHead>(response, step, cancellationToken);
            steps++;
        }
        return listing.Status is ListingStatus.Draft or ListingStatus.InReview
            ? throw new EntryRefusedException($"本地项目 {listing.Id} 停在 {listing.Status} (the local listing stays {listing.Status})")
            : steps;
    }

    /// <summary>The source no longer shows the listing: withdraw our copy, if there is one still open.</summary>
    private async Task RetractAsync(string id, MirrorTally tally, CancellationToken cancellationToken)
    {
        var listing = await ReadLocalAsync(ExternalPath(id), cancellationToken);
        if (listing is null || listing.Status is ListingStatus.Withdrawn or ListingStatus.Expired)
        {
            tally.Skipped++;
            return;
        }
        var path = $"api/v1/listings/{listing.Id}/withdraw";
        using var response = await local.SendAsync(() => NodeClient.Request(HttpMethod.Post, path, new { reason = WithdrawReason }), cancellationToken);
        // 409: withdrawn meanwhile (our retried request whose first answer was lost), or in a deal, which stays.
        if (response.StatusCode is HttpStatusCode.Conflict)
        {
            tally.Skipped++;
            return;
        }
        await NodeClient.ReadAsync<ListingHead>(response, "撤下 (withdraw)", cancellationToken);
        tally.Withdrawn++;
    }

    private async Task<ListingHead?> ReadLocalAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await local.SendAsync(() => NodeClient.Request(HttpMethod.Get, path), cancellationToken);
        return response.StatusCode is HttpStatusCode.NotFound ? null : await NodeClient.ReadAsync<ListingHead>(response, "读取本地项目 (reading the local listing)", cancellationToken);
    }

    private string ExternalPath(string sourceId) => $"api/v1/partners/{Uri.EscapeDataString(options.As)}/listings/{Uri.EscapeDataString(sourceId)}";
}

/// <summary>What a page (or the whole run) did.</summary>
public sealed class MirrorTally
{
    public int Applied { get; set; }
    public int Unchanged { get; set; }
    public int Skipped { get; set; }
    public int Withdrawn { get; set; }
    public int Failed { get; set; }

    public void Add(MirrorTally other)
    {
        Applied += other.Applied;
        Unchanged += other.Unchanged;
        Skipped += other.Skipped;
        Withdrawn += other.Withdrawn;
        Failed += other.Failed;
    }

    public override string ToString() =>
        $"应用 {Applied}、未变 {Unchanged}、跳过 {Skipped}、撤下 {Withdrawn}、失败 {Failed} (applied, unchanged, skipped, withdrawn, failed)";
}
