using BashuCloud.Listings;
using BashuCloud.Regions;
using Npgsql;
using NpgsqlTypes;

namespace BashuCloud.Api.Listings;

/// <summary>
/// What a list asks for, within what its reader may see: listings of <paramref name="Statuses"/> that are public or in
/// the reader's <paramref name="Scope"/>, narrowed by region, kind, platform and lister. A filter only ever narrows.
/// </summary>
public sealed record ListingFilter(
    ListingScope Scope, IReadOnlyList<ListingStatus> Statuses, Region? Region = null, ListingKind? Kind = null,
    string? PlatformId = null, string? OwnerId = null);

/// <summary>Reads listings from the read model. Pages are newest first, by id (ids sort by creation time).</summary>
public sealed class ListingQueries(NpgsqlDataSource database)
{
    /// <summary>The read-model columns of a <see cref="ListingSummary"/>, in the order <see cref="ReadSummary"/> reads them.</summary>
    public const string SummaryColumns = """
        id, kind, region, platform_id, owner_id, status, version, title, title_en, summary, field,
        industry_code, trl, price_model, price_amount_cny, city, keywords, expires_on, created_at, updated_at, published_at
        """;

    /// <summary>
    /// SQL: the row's status is public (<see cref="ListingVisibility.PublicStatuses"/>), written as literals, not a
    /// parameter, so that the planner can use the partial indexes over public listings.
    /// </summary>
    public static readonly string PublicStatus = $"status IN ({string.Join(", ", ListingVisibility.PublicStatuses.Select(s => $"'{s}'"))})";

    public async Task<Page<ListingSummary>> PageAsync(ListingFilter filter, int limit, string? afterId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"""
            SELECT {SummaryColumns}
              FROM rm_listing
             WHERE status = ANY($1)
               AND ({PublicStatus} OR $2 OR region = $3 OR platform_id = $4 OR owner_id = $5)
               AND ($6::text IS NULL OR region = $6)
               AND ($7::text IS NULL OR kind = $7)
               AND ($8::text IS NULL OR platform_id = $8)
               AND ($9::text IS NULL OR owner_id = $9)
               AND ($10::text IS NULL OR id < $10)
             ORDER BY id DESC
             LIMIT $11
            """);
        var scope = filter.Scope;
        command.Parameters.Add(Texts(filter.Statuses.Select(s => s.ToString())));
        command.Parameters.Add(new() { Value = scope.All });
        command.Parameters.Add(Text(scope.Region?.Code()));
        command.Parameters.Add(Text(scope.PlatformId));
        command.Parameters.Add(Text(scope.OwnerId));
        command.Parameters.Add(Text(filter.Region?.Code()));
        command.Parameters.Add(Text(filter.Kind?.ToString()));
        command.Parameters.Add(Text(filter.PlatformId));
        command.Parameters.Add(Text(filter.OwnerId));
        command.Parameters.Add(Text(afterId));
        command.Parameters.Add(new() { Value = limit + 1 });

        var items = new List<ListingSummary>(limit + 1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(ReadSummary(reader));
        }
        var more = items.Count > limit;
        if (more) items.RemoveAt(items.Count - 1);
        return new Page<ListingSummary>(items, more ? Cursor.Encode(items[^1].Id) : null);
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Texts(IEnumerable<string> values) => new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    /// <summary>A listing summary from a row that starts with <see cref="SummaryColumns"/>.</summary>
    public static ListingSummary ReadSummary(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
        reader.GetString(5), reader.GetInt32(6), reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8),
        reader.GetString(9), reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11), reader.GetInt32(12),
        reader.GetString(13), reader.IsDBNull(14) ? null : reader.GetDecimal(14), reader.IsDBNull(15) ? null : reader.GetString(15),
        reader.GetFieldValue<string[]>(16), reader.IsDBNull(17) ? null : reader.GetFieldValue<DateOnly>(17),
        reader.GetFieldValue<DateTimeOffset>(18), reader.GetFieldValue<DateTimeOffset>(19),
        reader.IsDBNull(20) ? null : reader.GetFieldValue<DateTimeOffset>(20));
}

/// <summary>An opaque page cursor: the last id seen, so pages stay stable while listings are added.</summary>
/// <summary>Opaque, URL-safe cursors: base64url of a position only this API writes and reads.</summary>
public static class Cursor
{
    private const int MaxLength = 100;

    public static string Encode(string position) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(position)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A listing page's cursor: the id of the page's last listing.</summary>
    public static bool TryDecode(string cursor, out string id) => TryDecodeText(cursor, out id) && BashuId.IsValid(id);

    public static bool TryDecodeText(string cursor, out string position)
    {
        position = "";
        if (cursor.Length > MaxLength) return false;
        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var written)) return false;
        position = System.Text.Encoding.UTF8.GetString(bytes, 0, written);
        return true;
    }
}
