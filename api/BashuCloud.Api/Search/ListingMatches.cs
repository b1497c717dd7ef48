using BashuCloud.Api.Listings;
using BashuCloud.Listings;
using BashuCloud.Regions;
using Npgsql;
using NpgsqlTypes;

namespace BashuCloud.Api.Search;

/// <summary>Why a listing matches: <c>field</c>, <c>keywords</c>, <c>title</c>, <c>region</c>, <c>cross-province</c> or <c>maturity</c>, with a note.</summary>
public sealed record MatchReason(string Code, string Detail);

public sealed record ListingMatch(ListingSummary Listing, double Score, IReadOnlyList<MatchReason> Reasons);

public sealed record MatchList(string ListingId, IReadOnlyList<ListingMatch> Items);

/// <summary>
/// The counterparts of a listing among the live public listings: a demand's achievements, patents and services;
/// an achievement's, patent's or service's demands. Candidates are the newest of the same field and those sharing
/// a keyword (both through indexes, so the cost does not grow with the table); each is scored by shared field,
/// shared keywords, shared title grams, region and maturity, and says which of them it has.
/// </summary>
public sealed class ListingMatches(NpgsqlDataSource database)
{
    public const int Limit = 20;
    private const int CandidatesEach = 200;
    private const string Live = "status IN ('Published', 'Negotiating')";
    private const string Newest = "split_part(id, '-', 2) DESC, id DESC";

    /// <summary>The kinds a listing of this kind is matched with; none for experts and cases.</summary>
    public static ListingKind[] CounterpartsOf(ListingKind kind) => kind switch
    {
        ListingKind.Demand => [ListingKind.Achievement, ListingKind.Patent, ListingKind.Service],
        ListingKind.Achievement or ListingKind.Patent or ListingKind.Service => [ListingKind.Demand],
        _ => [],
    };

    public async Task<MatchList> FindAsync(ListingView source, CancellationToken cancellationToken)
    {
        var content = source.Content;
        var kinds = CounterpartsOf(content.Kind!.Value);
        if (kinds.Length == 0) return new MatchList(source.Id, []);
        await using var command = database.CreateCommand($"""
            WITH candidates AS (
                (SELECT id FROM rm_listing WHERE {Live} AND kind = ANY($1) AND field = $2 ORDER BY {Newest} LIMIT {CandidatesEach})
                UNION
                (SELECT id FROM rm_listing WHERE {Live} AND kind = ANY($1) AND search_keyword_set(keywords) && search_keyword_set($3)
                  ORDER BY {Newest} LIMIT {CandidatesEach})),
            scored AS (
                SELECT r.*, r.field = $2 AS same_field,
                       ARRAY(SELECT k FROM unnest(search_keyword_set(r.keywords)) k WHERE k = ANY(search_keyword_set($3)) ORDER BY k) AS shared,
                       (SELECT count(*) FROM unnest(search_query_grams($7)) g WHERE g = ANY(search_grams(ARRAY[r.title])))::integer AS title_grams,
                       r.region = $4 AS same_region,
                       -- a demand states the maturity it needs; an offer meets it with at least that TRL
                       CASE WHEN $6 THEN r.trl >= $5 ELSE r.trl <= $5 END AS mature
                  FROM candidates c JOIN rm_listing r USING (id)
                 WHERE r.{Live} AND r.id <> $8 AND r.owner_id <> $9)
            SELECT {ListingQueries.SummaryColumns}, same_field, shared, title_grams, same_region, mature,
                   (CASE WHEN same_field THEN 3 ELSE 0 END + 2 * least(cardinality(shared), 3) + 0.5 * least(title_grams, 4)
                    + CASE WHEN same_region THEN 1 ELSE 0.5 END + CASE WHEN mature THEN 1 ELSE 0 END)::double precision AS score
              FROM scored
             ORDER BY score DESC, {Newest}
             LIMIT {Limit}
            """);
        command.Parameters.Add(new() { Value = kinds.Select(k => k.ToString()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = content.Field!.Value.ToString(), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (content.Keywords ?? []).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = content.Region!.Value.Code(), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = content.Trl!.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = content.Kind is ListingKind.Demand, NpgsqlDbType = NpgsqlDbType.Boolean });
        command.Parameters.Add(new() { Value = content.Title!, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = source.Id, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = source.OwnerId, NpgsqlDbType = NpgsqlDbType.Text });

        var items = new List<ListingMatch>(Limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var listing = ListingQueries.ReadSummary(reader);
            var reasons = Reasons(reader, listing, content.Kind is ListingKind.Demand);
            items.Add(new ListingMatch(listing, reader.GetDouble(26), reasons));
        }
        return new MatchList(source.Id, items);
    }

    private static List<MatchReason> Reasons(NpgsqlDataReader reader, ListingSummary listing, bool forDemand)
    {
        var reasons = new List<MatchReason>(5);
        if (reader.GetBoolean(21)) reasons.Add(new("field", $"同一技术领域 {listing.Field} (same field)"));
        if (reader.GetFieldValue<string[]>(22) is { Length: > 0 } shared) reasons.Add(new("keywords", $"共同关键词：{string.Join(", ", shared)} (shared keywords)"));
        if (reader.GetInt32(23) is > 0 and var grams) reasons.Add(new("title", $"标题相近：{grams} 个相同字组 (similar titles: {grams} shared grams)"));
        reasons.Add(reader.GetBoolean(24)
            ? new("region", $"同一地区 {listing.Region} (same region)")
            : new("cross-province", $"川渝跨省对接 {listing.Region} (cross-province)"));
        if (reader.GetBoolean(25))
        {
            reasons.Add(new("maturity", forDemand
                ? $"成熟度 TRL {listing.Trl} 满足需求 (maturity meets the demand)"
                : $"需求的成熟度 TRL {listing.Trl} 不高于本成果 (the demand's maturity is met)"));
        }
        return reasons;
    }
}
