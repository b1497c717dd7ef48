using System.Text.Json;
using BashuCloud.Listings;
using BashuCloud.Platforms;
using BashuCloud.Regions;
using BashuCloud.Users;
using Npgsql;
using NpgsqlTypes;

namespace BashuCloud.Projections;

/// <summary>
/// The typed read-model row of each kind of entity, from its stored state. An upsert only ever moves a row
/// to a higher version, so replaying the log is harmless.
/// </summary>
internal static class ReadModelRows
{
    private static readonly Dictionary<string, string> Tables = new()
    {
        ["listing"] = "rm_listing",
        ["user"] = "rm_user",
        ["platform"] = "rm_platform",
    };

    public static NpgsqlBatchCommand? For(Change change)
    {
        if (!Tables.TryGetValue(change.StateName, out var table)) return null;
        if (change.Payload is null) return Command($"DELETE FROM {table} WHERE id = $1", change.Key);
        return change.StateName switch
        {
            "listing" => Listing(Read<ListingState>(change.Payload)),
            "user" => User(Read<UserState>(change.Payload)),
            _ => Platform(Read<PlatformState>(change.Payload)),
        };
    }

    private static T Read<T>(string payload) => JsonSerializer.Deserialize<T>(payload, BashuJson.Options)!;

    private static NpgsqlBatchCommand Listing(ListingState listing)
    {
        var c = listing.Content!;
        return Command("""
            INSERT INTO rm_listing (id, kind, status, region, city, platform_id, owner_id, title, title_en, summary,
                field, industry_code, ipc_class, trl, price_model, price_amount_cny, keywords, expires_on, version,
                created_at, updated_at, published_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
            ON CONFLICT (id) DO UPDATE SET
                kind = EXCLUDED.kind, status = EXCLUDED.status, region = EXCLUDED.region, city = EXCLUDED.city,
                platform_id = EXCLUDED.platform_id, owner_id = EXCLUDED.owner_id, title = EXCLUDED.title,
                title_en = EXCLUDED.title_en, summary = EXCLUDED.summary, field = EXCLUDED.field,
                industry_code = EXCLUDED.industry_code, ipc_class = EXCLUDED.ipc_class, trl = EXCLUDED.trl,
                price_model = EXCLUDED.price_model, price_amount_cny = EXCLUDED.price_amount_cny,
                keywords = EXCLUDED.keywords, expires_on = EXCLUDED.expires_on, version = EXCLUDED.version,
                created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, published_at = EXCLUDED.published_at
            WHERE rm_listing.version < EXCLUDED.version
            """,
            listing.Id, c.Kind!.Value.ToString(), listing.Status.ToString(), c.Region!.Value.Code(), c.City,
            c.PlatformId!, listing.OwnerId, c.Title!, c.TitleEn, c.Summary!, c.Field!.Value.ToString(), c.IndustryCode,
            c.IpcClass, c.Trl!.Value, c.PriceModel!.Value.ToString(), c.PriceAmountCny, (c.Keywords ?? []).ToArray(),
            c.ExpiresOn, listing.Version, listing.CreatedAt, listing.UpdatedAt, listing.PublishedAt);
    }

    private static NpgsqlBatchCommand User(UserState user) => Command("""
        INSERT INTO rm_user (id, display_name, role, region, organization, city, version, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (id) DO UPDATE SET
            display_name = EXCLUDED.display_name, role = EXCLUDED.role, region = EXCLUDED.region,
            organization = EXCLUDED.organization, city = EXCLUDED.city, version = EXCLUDED.version
        WHERE rm_user.version < EXCLUDED.version
        """,
        user.Id, user.DisplayName, user.Role.ToString(), user.Region.Code(), user.Organization, user.City, user.Version, user.CreatedAt);

    private static NpgsqlBatchCommand Platform(PlatformState platform) => Command("""
        INSERT INTO rm_platform (id, name, name_en, kind, home_region, url, version, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (id) DO UPDATE SET
            name = EXCLUDED.name, name_en = EXCLUDED.name_en, kind = EXCLUDED.kind,
            home_region = EXCLUDED.home_region, url = EXCLUDED.url, version = EXCLUDED.version
        WHERE rm_platform.version < EXCLUDED.version
        """,
        platform.Id, platform.Name, platform.NameEn, platform.Kind.ToString(), platform.HomeRegion.Code(), platform.Url,
        platform.Version, platform.CreatedAt);

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Unknown },
                _ => new NpgsqlParameter { Value = value },
            });
        }
        return command;
    }
}
