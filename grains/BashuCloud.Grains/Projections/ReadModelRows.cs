using Npgsql;
using NpgsqlTypes;

namespace BashuCloud.Projections;

/// <summary>
/// The typed read-model rows of each kind of entity, projected set-wise inside PostgreSQL from the stored
/// state (jsonb) of the entities a batch of changes touched: one statement per table and batch, no state
/// crosses the wire. An upsert only moves a row to a higher version, so replaying the log is harmless; an
/// entity whose state was cleared or deleted leaves the read model.
/// </summary>
internal static class ReadModelRows
{
    private sealed record Projection(string Table, string Upsert);

    // $1: service id, $2: the keys of the batch. "p" is the stored state; field names are the state records'
    // (camelCase, enums by name) as JsonGrainStateSerializer writes them.
    private static readonly Dictionary<string, Projection> Projections = new()
    {
        ["listing"] = new("rm_listing", """
            INSERT INTO rm_listing AS r (id, kind, status, region, city, platform_id, owner_id, title, title_en, summary,
                field, industry_code, ipc_class, trl, price_model, price_amount_cny, keywords, expires_on, version,
                created_at, updated_at, published_at)
            SELECT s.grain_key, c->>'kind', p->>'status', c->>'region', c->>'city', c->>'platformId', p->>'ownerId',
                   c->>'title', c->>'titleEn', c->>'summary', c->>'field', c->>'industryCode', c->>'ipcClass',
                   (c->>'trl')::integer, c->>'priceModel', (c->>'priceAmountCny')::numeric,
                   coalesce(ARRAY(SELECT jsonb_array_elements_text(c->'keywords')), '{}'), (c->>'expiresOn')::date,
                   (p->>'version')::integer, (p->>'createdAt')::timestamptz, (p->>'updatedAt')::timestamptz,
                   (p->>'publishedAt')::timestamptz
              FROM grain_state s, LATERAL (SELECT s.payload AS p, s.payload->'content' AS c) state
             WHERE s.service_id = $1 AND s.state_name = 'listing' AND s.grain_key = ANY($2) AND s.payload IS NOT NULL
            ON CONFLICT (id) DO UPDATE SET
                kind = EXCLUDED.kind, status = EXCLUDED.status, region = EXCLUDED.region, city = EXCLUDED.city,
                platform_id = EXCLUDED.platform_id, owner_id = EXCLUDED.owner_id, title = EXCLUDED.title,
                title_en = EXCLUDED.title_en, summary = EXCLUDED.summary, field = EXCLUDED.field,
                industry_code = EXCLUDED.industry_code, ipc_class = EXCLUDED.ipc_class, trl = EXCLUDED.trl,
                price_model = EXCLUDED.price_model, price_amount_cny = EXCLUDED.price_amount_cny,
                keywords = EXCLUDED.keywords, expires_on = EXCLUDED.expires_on, version = EXCLUDED.version,
                created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, published_at = EXCLUDED.published_at
            WHERE r.version < EXCLUDED.version
            """),
        ["user"] = new("rm_user", """
            INSERT INTO rm_user AS r (id, display_name, role, region, organization, city, version, created_at)
            SELECT s.grain_key, p->>'displayName', p->>'role', p->>'region', p->>'organization', p->>'city',
                   (p->>'version')::integer, (p->>'createdAt')::timestamptz
              FROM grain_state s, LATERAL (SELECT s.payload AS p) state
             WHERE s.service_id = $1 AND s.state_name = 'user' AND s.grain_key = ANY($2) AND s.payload IS NOT NULL
            ON CONFLICT (id) DO UPDATE SET
                display_name = EXCLUDED.display_name, role = EXCLUDED.role, region = EXCLUDED.region,
                organization = EXCLUDED.organization, city = EXCLUDED.city, version = EXCLUDED.version
            WHERE r.version < EXCLUDED.version
            """),
        ["deal"] = new("rm_deal", """
            INSERT INTO rm_deal AS r (id, listing_id, listing_kind, stage, seller_id, seller_region, buyer_id, buyer_region,
                broker_id, contract_cny, registration_no, registered_at, broker_credit_cny, version, created_at, updated_at)
            SELECT s.grain_key, p->>'listingId', p->>'listingKind', p->>'stage', p->>'sellerId', p->>'sellerRegion',
                   p->>'buyerId', p->>'buyerRegion', p->>'brokerId', (p->'contract'->>'amountCny')::numeric,
                   p->'registration'->>'number', (p->'registration'->>'at')::timestamptz, (p->>'brokerCreditCny')::numeric,
                   (p->>'version')::integer, (p->>'createdAt')::timestamptz, (p->>'updatedAt')::timestamptz
              FROM grain_state s, LATERAL (SELECT s.payload AS p) state
             WHERE s.service_id = $1 AND s.state_name = 'deal' AND s.grain_key = ANY($2) AND s.payload IS NOT NULL
            ON CONFLICT (id) DO UPDATE SET
                stage = EXCLUDED.stage, broker_id = EXCLUDED.broker_id, contract_cny = EXCLUDED.contract_cny,
                registration_no = EXCLUDED.registration_no, registered_at = EXCLUDED.registered_at,
                broker_credit_cny = EXCLUDED.broker_credit_cny, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
            WHERE r.version < EXCLUDED.version
            """),
        ["platform"] = new("rm_platform", """
            INSERT INTO rm_platform AS r (id, name, name_en, kind, home_region, url, version, created_at)
            SELECT s.grain_key, p->>'name', p->>'nameEn', p->>'kind', p->>'homeRegion', p->>'url',
                   (p->>'version')::integer, (p->>'createdAt')::timestamptz
              FROM grain_state s, LATERAL (SELECT s.payload AS p) state
             WHERE s.service_id = $1 AND s.state_name = 'platform' AND s.grain_key = ANY($2) AND s.payload IS NOT NULL
            ON CONFLICT (id) DO UPDATE SET
                name = EXCLUDED.name, name_en = EXCLUDED.name_en, kind = EXCLUDED.kind,
                home_region = EXCLUDED.home_region, url = EXCLUDED.url, version = EXCLUDED.version
            WHERE r.version < EXCLUDED.version
            """),
    };

    /// <summary>The read-model tables, in the order a rebuild swaps them.</summary>
    public static IReadOnlyList<string> Tables { get; } = [.. Projections.Values.Select(p => p.Table)];

    /// <summary>The entity (grain state name) whose rows <paramref name="table"/> holds.</summary>
    public static string EntityOf(string table) => Projections.Single(p => p.Value.Table == table).Key;

    /// <summary>
    /// The statements that bring the read model up to date with these entities' stored state. A rebuild passes
    /// a <paramref name="suffix"/> to write its fresh tables (rm_listing_next…) instead of the live ones.
    /// </summary>
    public static IEnumerable<NpgsqlBatchCommand> For(string serviceId, IEnumerable<Change> changes, string suffix = "")
    {
        foreach (var entities in changes.GroupBy(c => c.StateName))
        {
            if (!Projections.TryGetValue(entities.Key, out var projection)) continue;
            yield return Upsert(serviceId, entities.Key, [.. entities.Select(c => c.Key).Distinct()], suffix);
            // Only an entity with a tombstone in this batch can have left; the others need no look.
            var cleared = entities.Where(c => c.Deleted).Select(c => c.Key).Distinct().ToArray();
            if (cleared.Length == 0) continue;
            yield return Command($"""
                DELETE FROM {projection.Table}{suffix} r
                 WHERE r.id = ANY($2)
                   AND NOT EXISTS (SELECT 1 FROM grain_state s WHERE s.service_id = $1 AND s.state_name = '{entities.Key}'
                                      AND s.grain_key = r.id AND s.payload IS NOT NULL)
                """, serviceId, cleared);
        }
    }

    /// <summary>Upserts the rows of these entities (of one kind) from their stored state.</summary>
    public static NpgsqlBatchCommand Upsert(string serviceId, string entity, string[] keys, string suffix = "")
    {
        var projection = Projections[entity];
        var sql = suffix.Length == 0 ? projection.Upsert
            : projection.Upsert.Replace($"INSERT INTO {projection.Table} AS r", $"INSERT INTO {projection.Table}{suffix} AS r", StringComparison.Ordinal);
        return Command(sql, serviceId, keys);
    }

    private static NpgsqlBatchCommand Command(string sql, string serviceId, string[] keys)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = serviceId });
        command.Parameters.Add(new NpgsqlParameter { Value = keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return command;
    }
}
