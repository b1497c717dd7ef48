using BashuCloud.Listings;
using BashuCloud.Regions;
using Npgsql;
using NpgsqlTypes;

namespace BashuCloud.Api.Listings;

/// <summary>
/// Finds the listings a submitted one may duplicate, in the read model: the same owner's listings with a very similar
/// title, and public listings with a near-identical title that share a keyword. A flag for the reviewer, never a
/// refusal (a similar title may be a genuinely new version of a technology). Both queries are bounded and indexed.
/// The owner's unpublished listings count only in the submitted one's region: the reviewer (that region's
/// administrator) sees the flags, and must not learn of drafts in the other province through them.
/// </summary>
public sealed partial class ListingDuplicates(NpgsqlDataSource database, ILogger<ListingDuplicates> logger)
{
    /// <summary>
    /// How long a submission waits for the search, in seconds. Among a million listings whose titles share common
    /// character pairs and keywords the candidate sets are huge (measured: over 30 s); the submission then goes to
    /// review unflagged rather than waiting, and the log says so.
    /// </summary>
    private const int TimeoutSeconds = 2;

    /// <summary>The share of character pairs two titles must have in common (Dice's coefficient) to be near-identical.</summary>
    public const double Threshold = 0.8;

    /// <summary>Candidates read per query: an owner's newest listings, or public listings holding a whole group of the title's pairs and sharing a keyword.</summary>
    private const int Candidates = 500;

    public async Task<IReadOnlyList<string>> FindAsync(ListingView listing, CancellationToken cancellationToken)
    {
        try
        {
            return await SearchAsync(listing, cancellationToken);
        }
        catch (NpgsqlException exception) when (exception.InnerException is TimeoutException)
        {
            LogGaveUp(logger, listing.Id, TimeoutSeconds);
            return [];
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "重复检测超时 (duplicate search gave up after {Seconds} s) for listing {ListingId}: submitted without flags")]
    private static partial void LogGaveUp(ILogger logger, string listingId, int seconds);

    private async Task<IReadOnlyList<string>> SearchAsync(ListingView listing, CancellationToken cancellationToken)
    {
        var title = listing.Content.Title ?? "";
        var pairs = TitlePairs(title);
        if (pairs.Count == 0) return [];
        // Pigeonhole: a title with a similarity of 0.8 or more holds at least two thirds of these pairs, so when they
        // are cut into a third + 1 groups of neighbouring pairs, it holds every pair of at least one group. The index
        // finds the titles holding a whole group; a group of pairs is rare where a single pair is common (measured
        // at a million listings of template-made titles: 30-240 ms, where probing with single pairs took 1-30 s).
        var groups = Groups(pairs);
        var holdsAGroup = string.Join(" OR ", groups.Select((_, i) => $"search_grams(ARRAY[title]) @> ${i + 4}"));
        await using var command = database.CreateCommand($"""
            (SELECT id, title FROM rm_listing
              WHERE owner_id = $1 AND id <> $2 AND status <> 'Withdrawn'
                AND (region = ${groups.Count + 4} OR {ListingQueries.PublicStatus})
              ORDER BY id DESC LIMIT {Candidates})
            UNION
            (SELECT id, title FROM rm_listing
              WHERE {ListingQueries.PublicStatus} AND id <> $2
                AND ({holdsAGroup}) AND search_keyword_set(keywords) && search_keyword_set($3)
              LIMIT {Candidates})
            """);
        command.CommandTimeout = TimeoutSeconds;
        command.Parameters.Add(new() { Value = listing.OwnerId });
        command.Parameters.Add(new() { Value = listing.Id });
        command.Parameters.Add(new() { Value = (listing.Content.Keywords ?? []).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        foreach (var group in groups) command.Parameters.Add(new() { Value = group, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = listing.Content.Region!.Value.Code() });
        var found = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (Similarity(pairs, TitlePairs(reader.GetString(1))) >= Threshold) found.Add(reader.GetString(0));
        }
        return [.. found.Order(StringComparer.Ordinal).Take(ListingRules.PossibleDuplicatesMax)];
    }

    /// <summary>A title's pairs cut into a third of their number + 1 runs of neighbouring pairs, as even in size as they come.</summary>
    public static IReadOnlyList<string[]> Groups(IReadOnlyList<string> pairs)
    {
        var count = (pairs.Count / 3) + 1;
        var (size, longer) = Math.DivRem(pairs.Count, count);
        var groups = new List<string[]>(count);
        for (int i = 0, start = 0; i < count; i++)
        {
            var length = size + (i < longer ? 1 : 0);
            if (length > 0) groups.Add([.. pairs.Skip(start).Take(length)]);
            start += length;
        }
        return groups;
    }

    /// <summary>Dice's coefficient of two titles' sets of neighbouring-character pairs: 1 for the same title, 0 for nothing in common.</summary>
    public static double Similarity(string a, string b) => Similarity(TitlePairs(a), TitlePairs(b));

    private static double Similarity(IReadOnlyCollection<string> a, IReadOnlyCollection<string> b) =>
        a.Count + b.Count == 0 ? 0 : 2.0 * a.Intersect(b).Count() / (a.Count + b.Count);

    /// <summary>The distinct pairs of neighbouring characters of a title, lower-cased: the pairs the search grams index.</summary>
    public static IReadOnlyList<string> TitlePairs(string title)
    {
        var text = title.ToLowerInvariant();
        return [.. Enumerable.Range(0, Math.Max(0, text.Length - 1)).Select(i => text.Substring(i, 2)).Distinct()];
    }
}
