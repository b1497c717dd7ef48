using Npgsql;

namespace BashuCloud.Api.Registry;

/// <summary>One yearly joint list (川渝一流学会, 最具影响力学术活动, 优秀论文): its announced size and the members registered.</summary>
public sealed record AcademicListResponse(
    int Year, string ListKind, string Title, DateOnly AnnouncedOn, string AnnouncedAt, int EntryCount, long Registered, string Source);

public sealed record AcademicEntryResponse(
    long Id, int Year, string ListKind, string Region, string Name, string? Organization, string? Detail, DateTimeOffset CreatedAt);

/// <summary>A member to register on a year's list.</summary>
public sealed record AcademicEntryRequest(int? Year, string? Region, string? Name, string? Organization, string? Detail);

public enum EntrySaved { Created, NoSuchList, Duplicate }

/// <summary>The academic registry: the yearly lists and their members, straight from their tables (not projected).</summary>
public sealed class RegistryQueries(NpgsqlDataSource database)
{
    public async Task<IReadOnlyList<AcademicListResponse>> ListsAsync(int? year, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            SELECT l.year, l.list_kind, l.title, l.announced_on, l.announced_at, l.entry_count,
                   (SELECT count(*) FROM academic_entry e WHERE e.list_kind = l.list_kind AND e.year = l.year), l.source
              FROM academic_list l
             WHERE $1::integer IS NULL OR l.year = $1
             ORDER BY l.year DESC, l.list_kind
            """);
        command.Parameters.Add(new() { Value = (object?)year ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        var lists = new List<AcademicListResponse>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            lists.Add(new(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateOnly>(3), reader.GetString(4),
                reader.GetInt32(5), reader.GetInt64(6), reader.GetString(7)));
        }
        return lists;
    }

    /// <summary>Members of one kind of list, in the order they were registered, after <paramref name="afterId"/>.</summary>
    public async Task<(List<AcademicEntryResponse> Items, bool More)> EntriesAsync(
        string listKind, int? year, string? region, int limit, long afterId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            SELECT id, year, list_kind, region, name, organization, detail, created_at FROM academic_entry
             WHERE list_kind = $1 AND ($2::integer IS NULL OR year = $2) AND ($3::text IS NULL OR region = $3) AND id > $4
             ORDER BY id LIMIT $5
            """);
        command.Parameters.Add(new() { Value = listKind });
        command.Parameters.Add(new() { Value = (object?)year ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = (object?)region ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = afterId });
        command.Parameters.Add(new() { Value = limit + 1 });
        var items = new List<AcademicEntryResponse>(limit + 1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) items.Add(ReadEntry(reader));
        var more = items.Count > limit;
        if (more) items.RemoveAt(items.Count - 1);
        return (items, more);
    }

    public async Task<(EntrySaved Result, AcademicEntryResponse? Entry)> AddAsync(
        string listKind, int year, string region, string name, string? organization, string? detail, CancellationToken cancellationToken)
    {
        // The list must exist (the foreign key) and a name appears once on a list (the unique key); both are
        // answered from the insert itself, so two registrations at once cannot both pass a check.
        await using var command = database.CreateCommand("""
            INSERT INTO academic_entry (year, list_kind, region, name, organization, detail)
            SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM academic_list WHERE year = $1 AND list_kind = $2)
            ON CONFLICT (year, list_kind, name) DO NOTHING
            RETURNING id, year, list_kind, region, name, organization, detail, created_at
            """);
        foreach (var value in new object?[] { year, listKind, region, name, organization, detail })
        {
            command.Parameters.Add(new() { Value = value ?? DBNull.Value, NpgsqlDbType = value is int ? NpgsqlTypes.NpgsqlDbType.Integer : NpgsqlTypes.NpgsqlDbType.Text });
        }
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken)) return (EntrySaved.Created, ReadEntry(reader));
        }
        await using var exists = database.CreateCommand("SELECT EXISTS (SELECT 1 FROM academic_list WHERE year = $1 AND list_kind = $2)");
        exists.Parameters.Add(new() { Value = year });
        exists.Parameters.Add(new() { Value = listKind });
        return ((bool)(await exists.ExecuteScalarAsync(cancellationToken))! ? EntrySaved.Duplicate : EntrySaved.NoSuchList, null);
    }

    private static AcademicEntryResponse ReadEntry(NpgsqlDataReader reader) =>
        new(reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7));
}
