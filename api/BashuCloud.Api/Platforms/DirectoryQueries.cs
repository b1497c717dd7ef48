using BashuCloud.Platforms;
using Npgsql;

namespace BashuCloud.Api.Platforms;

/// <summary>Reads platforms from the read model.</summary>
public sealed class DirectoryQueries(NpgsqlDataSource database)
{
    public async Task<IReadOnlyList<PlatformResponse>> PlatformsAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "SELECT id, name, name_en, kind, home_region, url, version, created_at FROM rm_platform ORDER BY kind DESC, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var platforms = new List<PlatformResponse>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!Regions.Regions.TryParse(reader.GetString(4), out var region)) continue;
            platforms.Add(new PlatformResponse(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                Enum.Parse<PlatformKind>(reader.GetString(3)), region, reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetInt32(6), reader.GetFieldValue<DateTimeOffset>(7)));
        }
        return platforms;
    }
}
