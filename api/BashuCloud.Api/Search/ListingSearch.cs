using BashuCloud.Api.Listings;
using BashuCloud.Listings;
using BashuCloud.Regions;
using Npgsql;
using NpgsqlTypes;

namespace BashuCloud.Api.Search;

/// <summary>Where a search looks, one scope at a time. Relevance ranks title hits, then keyword hits, then summary-only hits.</summary>
public enum SearchScope { Title, Keywords, Summary, Anywhere }

public enum SearchOrder { Relevance, Newest }

public sealed record SearchFilter(ListingKind? Kind, Region? Region, TechnologyField? Field, ListingStatus? Status, int? TrlMin);

/// <summary>Where a page ended: the scope it was in and the last listing it returned.</summary>
public sealed record SearchPosition(SearchScope Scope, string AfterId);

/// <summary>A listing found by a search, and the field it was found in (title, keywords or summary).</summary>
public sealed record SearchHit(string MatchedIn, ListingSummary Listing);

/// <summary>
/// Keyword search over the read model's public listings. The result set is exactly the listings whose title,
/// summary or a keyword contains the query (case-insensitive, as ILIKE '%q%'): the gram indexes only ever narrow
/// the candidates, and every candidate is checked with a plain substring match. Each scope first looks among
/// the newest public listings, which answers a common term after a few rows; only a term with fewer hits than
/// a page among them goes to the scope's gram index, whose candidates are then few (docs/decisions.md).
/// </summary>
public sealed class ListingSearch(NpgsqlDataSource database, int window = ListingSearch.DefaultWindow)
{
    /// <summary>How many of the newest public listings a scope looks through before it asks the gram index.</summary>
    public const int DefaultWindow = 2000;

    private const int WiderWindow = 10;

    private static readonly string Public = ListingQueries.PublicStatus;
    private const string Newest = "split_part(id, '-', 2) DESC, id DESC";
    private const string After = "($2::text IS NULL OR (split_part(id, '-', 2), id) < (split_part($2, '-', 2), $2))";
    private const string Filters = """
        ($3::text IS NULL OR kind = $3) AND ($4::text IS NULL OR region = $4) AND ($5::text IS NULL OR field = $5)
        AND ($6::text IS NULL OR status = $6) AND ($7::integer IS NULL OR trl >= $7)
        """;
    private const string InTitle = "strpos(lower(title), lower($1)) > 0";
    private const string InKeywords = "strpos(lower(array_to_string(keywords, E'\\n')), lower($1)) > 0";
    private const string InSummary = "strpos(lower(summary), lower($1)) > 0";

    public async Task<Page<SearchHit>> SearchAsync(
        string query, SearchFilter filter, SearchOrder order, SearchPosition? after, int limit, CancellationToken cancellationToken)
    {
        SearchScope[] scopes = order is SearchOrder.Newest ? [SearchScope.Anywhere] : [SearchScope.Title, SearchScope.Keywords, SearchScope.Summary];
        var found = new List<(string Id, SearchScope Scope)>(limit + 1);
        foreach (var scope in scopes.SkipWhile(s => after is not null && s != after.Scope))
        {
            var afterId = after is not null && after.Scope == scope ? after.AfterId : null;
            var ids = await FindAsync(query, scope, filter, afterId, limit + 1 - found.Count, cancellationToken);
            found.AddRange(ids.Select(id => (id, scope)));
            if (found.Count > limit) break;
        }
        var more = found.Count > limit;
        if (more) found.RemoveAt(found.Count - 1);
        var next = more ? SearchCursor.Encode(order, new SearchPosition(found[^1].Scope, found[^1].Id)) : null;
        return new Page<SearchHit>(await HitsAsync(query, [.. found.Select(f => f.Id)], cancellationToken), next);
    }

    /// <summary>
    /// The next hits of one scope, newest first: from the newest public listings when they hold enough, otherwise
    /// from the scope's gram index (which also answers, cheaply, a table smaller than the window).
    /// </summary>
    public async Task<IReadOnlyList<string>> FindAsync(
        string query, SearchScope scope, SearchFilter filter, string? afterId, int count, CancellationToken cancellationToken)
    {
        var hit = HitPredicate(scope, IsCaseless(query));
        // A term with some hits in the window but not a page's worth is in the band where the gram index would
        // hand over thousands of candidates: a ten times larger window is cheaper, when it promises to be enough.
        foreach (var rows in new[] { window, window * WiderWindow })
        {
            var ids = await WindowAsync(query, hit, filter, afterId, count, rows, cancellationToken);
            if (ids.Length == count) return ids;
            if (ids.Length * WiderWindow < count) break;
        }
        // The term is rare among the newest listings, so its gram index holds few candidates: take them all
        // (MATERIALIZED keeps the planner from walking the newest-first index instead), then check each. The gram
        // indexes hold only public listings (016_search_indexes_public.sql): the CTE names the same statuses.
        await using var indexed = Command($"""
            WITH c AS MATERIALIZED (SELECT id, kind, region, field, status, trl, title, summary, keywords FROM rm_listing
                                     WHERE {Public} AND {GramPredicate(scope)})
            SELECT ARRAY(SELECT id FROM c WHERE {After} AND {Filters} AND {hit} ORDER BY {Newest} LIMIT $8)
            """, query, filter, afterId, count);
        return (string[])(await indexed.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The next hits among the newest <paramref name="rows"/> public listings after the cursor.</summary>
    private async Task<string[]> WindowAsync(
        string query, string hit, SearchFilter filter, string? afterId, int count, int rows, CancellationToken cancellationToken)
    {
        // The window is a subquery, not a CTE, and orders by a column it returns: its newest-first order then
        // carries through, so the outer LIMIT stops reading as soon as it has its hits (a common term: after a few
        // dozen rows) with no sort.
        await using var newest = Command($"""
            SELECT ARRAY(SELECT id FROM (SELECT split_part(id, '-', 2) AS at, id, kind, region, field, status, trl, title,
                                                 summary, keywords FROM rm_listing
                                          WHERE {Public} AND {After} ORDER BY {Newest} LIMIT {rows}) w
                          WHERE {Filters} AND {hit} ORDER BY at DESC, id DESC LIMIT $8)
            """, query, filter, afterId, count);
        return (string[])(await newest.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string HitPredicate(SearchScope scope, bool caseless)
    {
        // lower() of every summary in a window costs more than the rest of the scan; a query of caseless characters
        // (Chinese characters, digits, punctuation) is found in the text exactly where it is found in its lower().
        string In(string column) => caseless ? $"strpos({column}, $1) > 0" : $"strpos(lower({column}), lower($1)) > 0";
        var (title, keywords, summary) = (In("title"), In("array_to_string(keywords, E'\\n')"), In("summary"));
        return scope switch
        {
            SearchScope.Title => title,
            SearchScope.Keywords => $"NOT {title} AND {keywords}",
            SearchScope.Summary => $"NOT {title} AND NOT {keywords} AND {summary}",
            _ => $"({title} OR {keywords} OR {summary})",
        };
    }

    /// <summary>No character of the query has a case: CJK ideographs, and ASCII other than letters.</summary>
    public static bool IsCaseless(string query) =>
        query.All(c => c is >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF' || (char.IsAscii(c) && !char.IsAsciiLetter(c)));

    // The same expressions as the indexes of deploy/sql/016_search_indexes_public.sql, so the planner can use them.
    private static string GramPredicate(SearchScope scope) => scope switch
    {
        SearchScope.Title => "search_grams(ARRAY[title]) @> search_query_grams($1)",
        SearchScope.Keywords => "search_grams(keywords) @> search_query_grams($1)",
        SearchScope.Summary => "search_grams(ARRAY[summary]) @> search_query_grams($1)",
        _ => $"({GramPredicate(SearchScope.Title)} OR {GramPredicate(SearchScope.Keywords)} OR {GramPredicate(SearchScope.Summary)})",
    };

    private NpgsqlCommand Command(string sql, string query, SearchFilter filter, string? afterId, int count)
    {
        var command = database.CreateCommand(sql);
        command.Parameters.Add(new() { Value = query, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(Text(afterId));
        command.Parameters.Add(Text(filter.Kind?.ToString()));
        command.Parameters.Add(Text(filter.Region?.Code()));
        command.Parameters.Add(Text(filter.Field?.ToString()));
        command.Parameters.Add(Text(filter.Status?.ToString()));
        command.Parameters.Add(new() { Value = (object?)filter.TrlMin ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = count, NpgsqlDbType = NpgsqlDbType.Integer });
        return command;
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    /// <summary>The found listings in the order found; one that left the public statuses meanwhile is left out.</summary>
    private async Task<IReadOnlyList<SearchHit>> HitsAsync(string query, string[] ids, CancellationToken cancellationToken)
    {
        if (ids.Length == 0) return [];
        await using var command = database.CreateCommand($"""
            SELECT {ListingQueries.SummaryColumns},
                   CASE WHEN {InTitle} THEN 'title' WHEN {InKeywords} THEN 'keywords' ELSE 'summary' END
              FROM rm_listing WHERE id = ANY($2) AND {Public}
            """);
        command.Parameters.Add(new() { Value = query, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var rows = new Dictionary<string, SearchHit>(ids.Length, StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var listing = ListingQueries.ReadSummary(reader);
            rows[listing.Id] = new SearchHit(reader.GetString(21), listing);
        }
        return [.. ids.Where(rows.ContainsKey).Select(id => rows[id])];
    }
}
