using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Api.Listings;
using BashuCloud.Listings;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BashuCloud.Api.Changes;

/// <summary>
/// One entry of the change feed: a listing that changed, as it is now (the newest version; versions overwritten
/// before the feed was read appear once, as that newest), or a tombstone when the reader may not (or no longer) see
/// it: withdrawn, back in review, cleared. De-duplicate by (id, version).
/// </summary>
public sealed record ChangeEntry(string Id, int Version, bool Tombstone, ListingResponse? Listing);

/// <summary>A listing that changed: its id, the logged version, and its state now (null once deleted).</summary>
public sealed record ListingChange(string Id, int LoggedVersion, ListingView? Listing)
{
    /// <summary>As <paramref name="reader"/> may see it: the listing, or a tombstone.</summary>
    public ChangeEntry ToEntry(Actor? reader) =>
        Listing is { } view && ListingVisibility.CanSee(view, reader)
            ? new ChangeEntry(Id, view.Version, false, view.ToResponse(reader))
            : new ChangeEntry(Id, Listing?.Version ?? LoggedVersion, true, null);
}

/// <summary>A page of the feed and the cursor to resume from (also when the page is empty: poll again with it).</summary>
public sealed record ChangePage(IReadOnlyList<ChangeEntry> Items, string NextCursor);

/// <summary>A position in the change log: the committing transaction and the change's place in it.</summary>
public readonly record struct ChangePosition(ulong Tx, long Seq)
{
    public static readonly ChangePosition Start = new(0, 0);

    public string ToCursor() => Cursor.Encode(string.Create(CultureInfo.InvariantCulture, $"c1:{Tx}:{Seq}"));

    /// <summary>Only cursors this API wrote parse; anything else is the caller's 400.</summary>
    public static bool TryParse(string cursor, out ChangePosition position)
    {
        position = Start;
        if (!Cursor.TryDecodeText(cursor, out var text)) return false;
        var parts = text.Split(':');
        if (parts is not ["c1", var tx, var seq]
            || !ulong.TryParse(tx, NumberStyles.None, CultureInfo.InvariantCulture, out var t)
            || !long.TryParse(seq, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
        {
            return false;
        }
        position = new(t, s);
        return true;
    }
}

/// <summary>
/// Reads the change log in its total order (the committing transaction, then the order within it). Only changes of
/// transactions older than every transaction still running are read, so nothing can later appear before a cursor
/// already handed out: a consumer resuming from any cursor misses nothing.
/// </summary>
public sealed class ChangeFeed(NpgsqlDataSource database, IOptions<ApiSettings> settings, IOptions<JsonOptions> json)
{
    /// <summary>The API's JSON options: the stored state's shape, with source-generated metadata for ListingView.</summary>
    private readonly JsonTypeInfo<ListingView> _listingView = (JsonTypeInfo<ListingView>)json.Value.SerializerOptions.GetTypeInfo(typeof(ListingView));

    public async Task<ChangePage> ReadAsync(ChangePosition after, int limit, Actor? reader, CancellationToken cancellationToken)
    {
        var (changes, next) = await ReadChangesAsync(after, limit, cancellationToken);
        var entries = changes.Select(c => c.ToEntry(reader)).ToList();
        return new ChangePage(entries, next.ToCursor());
    }

    /// <summary>
    /// The changes after <paramref name="after"/> with each listing's current state (null once deleted), and the
    /// position to go on from. Several changes of one listing in a page carry the same newest state, so only the
    /// last of them is kept, in feed order.
    /// </summary>
    public async Task<(IReadOnlyList<ListingChange> Changes, ChangePosition Next)> ReadChangesAsync(
        ChangePosition after, int limit, CancellationToken cancellationToken)
    {
        var page = await PageAsync(after, limit, cancellationToken);
        if (page.Count == 0) return ([], after);
        var states = await StatesAsync([.. page.Select(c => c.Id).Distinct()], cancellationToken);
        var changes = new List<ListingChange?>(page.Count);
        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var change in page)
        {
            if (slots.TryGetValue(change.Id, out var earlier)) changes[earlier] = null;
            slots[change.Id] = changes.Count;
            changes.Add(new ListingChange(change.Id, change.Version, change.Deleted ? null : states.GetValueOrDefault(change.Id)));
        }
        return ([.. changes.OfType<ListingChange>()], page[^1].Position);
    }

    private sealed record LoggedChange(ChangePosition Position, string Id, int Version, bool Deleted);

    private async Task<List<LoggedChange>> PageAsync(ChangePosition after, int limit, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            SELECT c.tx::text, c.seq, c.grain_key, c.version, c.deleted
              FROM change_log c
             WHERE c.service_id = $1 AND c.state_name = 'listing'
               AND (c.tx, c.seq) > ($2::text::xid8, $3)
               AND c.tx < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY c.tx, c.seq
             LIMIT $4
            """);
        command.Parameters.Add(new() { Value = settings.Value.ServiceId });
        command.Parameters.Add(new() { Value = after.Tx.ToString(CultureInfo.InvariantCulture) });
        command.Parameters.Add(new() { Value = after.Seq });
        command.Parameters.Add(new() { Value = limit });
        var page = new List<LoggedChange>(limit);
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            page.Add(new(new(ulong.Parse(rows.GetString(0), CultureInfo.InvariantCulture), rows.GetInt64(1)), rows.GetString(2), rows.GetInt32(3), rows.GetBoolean(4)));
        }
        return page;
    }

    /// <summary>
    /// The listings' current states, by primary key. A separate query, not a join with the page: right after a large
    /// import the tables' statistics lag, and a joined plan then scanned the state table once per change (2.5 ms a
    /// change). One lookup per key (LATERAL on the whole primary key) is the plan whatever the statistics say.
    /// </summary>
    private async Task<Dictionary<string, ListingView>> StatesAsync(string[] ids, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            SELECT s.grain_key, convert_to(s.payload::text, 'UTF8')
              FROM unnest($2::text[]) k(id)
              JOIN LATERAL (SELECT grain_key, payload FROM grain_state
                             WHERE service_id = $1 AND state_name = 'listing' AND grain_key = k.id AND grain_n0 = 0 AND grain_n1 = 0) s ON true
             WHERE s.payload IS NOT NULL
            """);
        command.Parameters.Add(new() { Value = settings.Value.ServiceId });
        command.Parameters.Add(new() { Value = ids });
        var states = new Dictionary<string, ListingView>(ids.Length, StringComparer.Ordinal);
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            // As UTF-8 bytes, straight into the deserializer: no UTF-16 string of every payload on the way.
            states[rows.GetString(0)] = JsonSerializer.Deserialize(rows.GetFieldValue<byte[]>(1), _listingView)!;
        }
        return states;
    }
}
