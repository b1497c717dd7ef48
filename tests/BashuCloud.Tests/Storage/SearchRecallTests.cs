using System.Text;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Api.Search;
using BashuCloud.Listings;
using Npgsql;
using NpgsqlTypes;

namespace BashuCloud.Tests.Storage;

/// <summary>
/// Search equals a plain substring match: thousands of random listings (Chinese, English in both cases,
/// digits, spaces, LIKE's own wildcards) straight into the read model, and hundreds of random queries through
/// the endpoint's own SQL, page by page, against ILIKE '%q%' over title, summary and keywords.
/// </summary>
public sealed class SearchRecallTests : IAsyncLifetime
{
    private const int Listings = 3000;
    private const string Alphabet = "锂电池回收地铁隧道智能制造新能源汽车芯片传感器材料光伏储能氢中心abcxyzABCXYZ019 %_-";
    private static readonly string[] Statuses = [.. Enum.GetNames<ListingStatus>()];
    private static readonly string[] Kinds = ["Achievement", "Demand", "Patent", "Service"];
    private static readonly string[] Fields = ["NewEnergy", "RailTransit", "Biomedicine"];

    private readonly Random _random = new(20261128);
    private TestDatabase _db = null!;
    private NpgsqlDataSource _api = null!;
    private readonly List<string> _texts = [];

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _api = NpgsqlDataSource.Create(Database.Tuned(_db.ConnectionString));
        await InsertRandomListingsAsync();
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _db.DisposeAsync();
    }

    // A small window sends most queries to the gram indexes; the real one answers most from the newest rows.
    [Theory]
    [InlineData(40)]
    [InlineData(ListingSearch.DefaultWindow)]
    public async Task Every_query_finds_exactly_what_a_substring_match_finds(int window)
    {
        var search = new ListingSearch(_api, window);
        var queries = Enumerable.Range(0, 160).Select(i => Query(i % 4 + 1)).Concat(["锂电", "地铁", "%", "_", "a_b", "50%", "ABC"]).Distinct();
        foreach (var query in queries)
        {
            var filter = _random.Next(4) == 0
                ? new SearchFilter(ListingKind.Patent, null, TechnologyField.NewEnergy, null, 5)
                : new SearchFilter(null, null, null, null, null);
            foreach (var order in Enum.GetValues<SearchOrder>())
            {
                var found = await AllPagesAsync(search, query, filter, order);
                Assert.Equal(found.Count, found.Select(h => h.Listing.Id).Distinct().Count());
                var expected = await SubstringMatchAsync(query, filter);
                Assert.True(expected.SetEquals(found.Select(h => h.Listing.Id)),
                    $"q={query} {order} window={window}: expected {expected.Count}, found {found.Count}");
                AssertOrdered(found, order);
            }
        }
    }

    [Fact]
    public async Task A_page_ends_at_a_cursor_that_resumes_exactly_after_it()
    {
        var search = new ListingSearch(_api, 40);
        var none = new SearchFilter(null, null, null, null, null);
        var whole = await search.SearchAsync("电", none, SearchOrder.Relevance, null, 100, default);
        var first = await search.SearchAsync("电", none, SearchOrder.Relevance, null, 30, default);
        Assert.True(SearchCursor.TryDecode(first.NextCursor!, SearchOrder.Relevance, out var after));
        var second = await search.SearchAsync("电", none, SearchOrder.Relevance, after, 70, default);
        Assert.Equal(whole.Items.Select(h => h.Listing.Id), first.Items.Concat(second.Items).Select(h => h.Listing.Id));
        Assert.False(SearchCursor.TryDecode(first.NextCursor!, SearchOrder.Newest, out _));
    }

    private static async Task<List<SearchHit>> AllPagesAsync(ListingSearch search, string query, SearchFilter filter, SearchOrder order)
    {
        var hits = new List<SearchHit>();
        SearchPosition? after = null;
        for (var pages = 0; pages < 1000; pages++)
        {
            var page = await search.SearchAsync(query, filter, order, after, 37, default);
            hits.AddRange(page.Items);
            if (page.NextCursor is null) return hits;
            Assert.True(SearchCursor.TryDecode(page.NextCursor, order, out after));
        }
        throw new InvalidOperationException("paging did not end");
    }

    /// <summary>Relevance: title hits, then keyword hits, then summary hits; newest first within each (and throughout for newest).</summary>
    private static void AssertOrdered(List<SearchHit> hits, SearchOrder order)
    {
        static int Rank(SearchHit hit) => hit.MatchedIn switch { "title" => 0, "keywords" => 1, _ => 2 };
        for (var i = 1; i < hits.Count; i++)
        {
            var (before, now) = (hits[i - 1], hits[i]);
            var sameRank = order is SearchOrder.Newest || Rank(before) == Rank(now);
            Assert.True(sameRank || Rank(before) < Rank(now), $"{before.MatchedIn} before {now.MatchedIn}");
            if (sameRank) Assert.True(NewestFirst(before.Listing.Id, now.Listing.Id), $"{before.Listing.Id} before {now.Listing.Id}");
        }
    }

    private static bool NewestFirst(string earlier, string later) =>
        string.CompareOrdinal(earlier.Split('-')[1], later.Split('-')[1]) is var byTime && (byTime > 0 || (byTime == 0 && string.CompareOrdinal(earlier, later) > 0));

    private async Task<HashSet<string>> SubstringMatchAsync(string query, SearchFilter filter)
    {
        var pattern = "%" + query.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
        await using var command = _db.DataSource.CreateCommand("""
            SELECT id FROM rm_listing
             WHERE status IN ('Published', 'Negotiating', 'Traded', 'Expired')
               AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR field = $3) AND ($4::integer IS NULL OR trl >= $4)
               AND (title ILIKE $1 OR summary ILIKE $1 OR EXISTS (SELECT 1 FROM unnest(keywords) k WHERE k ILIKE $1))
            """);
        command.Parameters.Add(new() { Value = pattern });
        command.Parameters.Add(new() { Value = (object?)filter.Kind?.ToString() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)filter.Field?.ToString() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)filter.TrlMin ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        var ids = new HashSet<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }

    /// <summary>Mostly a piece of some listing's text (so it hits), sometimes random characters (so it may not), in random case.</summary>
    private string Query(int length)
    {
        string text;
        if (_random.Next(3) > 0 && _texts[_random.Next(_texts.Count)] is { Length: var n } source && n >= length)
        {
            text = source.Substring(_random.Next(n - length + 1), length);
        }
        else
        {
            text = Text(length, length);
        }
        text = _random.Next(2) == 0 ? text.ToUpperInvariant() : text.ToLowerInvariant();
        return text.Trim() is { Length: > 0 } trimmed ? trimmed : "锂";
    }

    private string Text(int min, int max)
    {
        var text = new StringBuilder();
        var length = _random.Next(min, max + 1);
        for (var i = 0; i < length; i++) text.Append(Alphabet[_random.Next(Alphabet.Length)]);
        return text.ToString();
    }

    private async Task InsertRandomListingsAsync()
    {
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        var rows = Enumerable.Range(0, Listings).Select(i => new
        {
            Id = BashuId.New(i % 3 == 0 ? Region.Chongqing : Region.Sichuan, start.AddMinutes(i)),
            Title = Text(2, 14),
            Summary = Text(0, 60),
            Keywords = string.Join('\n', Enumerable.Range(0, _random.Next(4)).Select(_ => Text(1, 5))),
            Status = Statuses[_random.Next(Statuses.Length)],
            Kind = Kinds[_random.Next(Kinds.Length)],
            Field = Fields[_random.Next(Fields.Length)],
            Trl = _random.Next(1, 10),
        }).ToList();
        foreach (var row in rows) _texts.AddRange([row.Title, row.Summary, .. row.Keywords.Split('\n')]);
        await using var command = _db.DataSource.CreateCommand("""
            INSERT INTO rm_listing (id, kind, status, region, platform_id, owner_id, title, summary, field, trl, price_model,
                                    keywords, version, created_at, updated_at)
            SELECT r.id, r.kind, r.status, split_part(r.id, '-', 1), 'sichuan', 'recall-owner', r.title, r.summary, r.field, r.trl,
                   'Negotiable', CASE WHEN r.keywords = '' THEN '{}' ELSE string_to_array(r.keywords, E'\n') END, 1, now(), now()
              FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::integer[])
                   AS r(id, title, summary, keywords, status, kind, field, trl)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Id).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Title).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Summary).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Keywords).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Status).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Kind).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Field).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Trl).ToArray() });
        await command.ExecuteNonQueryAsync();
        await _db.ExecuteAsync("ANALYZE rm_listing");
    }
}
