using System.Globalization;
using System.Text.Json;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Api.Listings;
using BashuCloud.Listings;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BashuCloud.Api.Changes;

/// <summary>
/// One entry of the change feed: a listing that changed, as it is now (the newest version; versions overwritten
/// before the feed was read appear once, as that newest), or a tombstone when the reader may not (or no longer) see
/// it: withdrawn, back in review, cleared. De-duplicate by (id, version).
/// </summary>
public sealed record ChangeEntry(string Id, int Version, bool Tombstone, ListingResponse? Listing);

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
public sealed class ChangeFeed(NpgsqlDataSource database, IOptions<ApiSettings> settings)
{
    public async Task<ChangePage> ReadAsync(ChangePosition after, int limit, Actor? reader, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            SELECT c.tx::text, c.seq, c.grain_key, c.version, c.deleted OR s.payload IS NULL, s.payload::text
              FROM change_log c
              LEFT JOIN grain_state s
                ON s.service_id = c.service_id AND s.state_name = c.state_name AND s.grain_key = c.grain_key AND s.grain_n0 = 0 AND s.grain_n1 = 0
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

        var last = after;
        // Several changes of one listing in a page carry the same newest state: keep the last, in feed order.
        var entries = new List<ChangeEntry?>();
        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            last = new(ulong.Parse(rows.GetString(0), CultureInfo.InvariantCulture), rows.GetInt64(1));
            var id = rows.GetString(2);
            var view = rows.GetBoolean(4) ? null : JsonSerializer.Deserialize<ListingView>(rows.GetString(5), BashuJson.Options);
            if (slots.TryGetValue(id, out var earlier)) entries[earlier] = null;
            slots[id] = entries.Count;
            entries.Add(view is not null && ListingVisibility.CanSee(view, reader)
                ? new ChangeEntry(id, view.Version, false, view.ToResponse())
                : new ChangeEntry(id, view?.Version ?? rows.GetInt32(3), true, null));
        }
        return new ChangePage([.. entries.OfType<ChangeEntry>()], last.ToCursor());
    }
}
