using BashuCloud.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Concurrency;
using Orleans.Configuration;

namespace BashuCloud.Listings;

/// <summary>
/// Creates the listings of a batch whose external ids are new in one transaction: each one's external-id mapping and
/// its listing, rows exactly as their grains would write them (the same decisions, the same JSON, version 1, a
/// change-log row each). Only rows that do not exist are written (an insert that meets an existing row writes
/// nothing), and a listing is written only with its mapping, so a race with a grain pushing the same external id
/// leaves one of them: this path hands the item back to the grain, or the grain's write fails and it reloads.
/// Nothing is active for these grains yet (a fresh listing id cannot have been asked for; an external-listing
/// activation that was asked before reads its row again while it knows no listing).
/// Reentrant: it holds no state, and a chunk mostly waits for its transaction, so a worker takes on the next chunk
/// meanwhile instead of leaving it queued against the call's timeout.
/// </summary>
[StatelessWorker, Reentrant]
internal sealed class ListingImportGrain(NpgsqlDataSource database, IOptions<ClusterOptions> cluster, TimeProvider clock) : Grain, IListingImportGrain
{
    private const string MappingState = "external-listing";
    private const string ListingStateName = "listing";

    public async Task<IReadOnlyList<Outcome<ListingView>?>> CreateNewAsync(string platformId, IReadOnlyList<NewExternalListing> items, Actor actor)
    {
        var results = new Outcome<ListingView>?[items.Count];
        var keys = items.Select(i => ExternalIds.Key(platformId, i.ExternalId)).ToArray();
        var pushedBefore = await ExistingAsync(MappingState, keys);
        var now = clock.GetUtcNow();
        var creations = new List<(int Index, string Key, ListingState Listing)>();
        for (var i = 0; i < items.Count; i++)
        {
            if (pushedBefore.Contains(keys[i])) continue;
            var decided = Decide(platformId, items[i].Draft, actor, now);
            if (decided.Listing is { } listing) creations.Add((i, keys[i], listing));
            else results[i] = decided.Refused;
        }
        if (creations.Count == 0) return results;

        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var mapped = await InsertAsync(connection, MappingState,
            creations.Select(c => (c.Key, JsonGrainStateSerializer.ToJson(new ExternalListingState { ListingId = c.Listing.Id }))));
        await InsertAsync(connection, ListingStateName,
            creations.Where(c => mapped.Contains(c.Key)).Select(c => (c.Listing.Id, JsonGrainStateSerializer.ToJson(c.Listing))));
        await transaction.CommitAsync();
        foreach (var (index, key, listing) in creations)
        {
            results[index] = mapped.Contains(key) ? Outcome<ListingView>.Ok(listing.ToView()) : null;
        }
        return results;
    }

    /// <summary>The listing this push creates, or why it may not: the decisions of ExternalListingGrain and ListingState.</summary>
    private static (ListingState? Listing, Outcome<ListingView>? Refused) Decide(string platformId, ListingDraft draft, Actor actor, DateTimeOffset now)
    {
        var admitted = ExternalListingRules.Admit(platformId, draft, actor);
        if (!admitted.Succeeded) return (null, Carry(admitted));
        var creatable = ExternalListingRules.CheckNew(platformId, admitted.Value!, actor, now);
        if (!creatable.Succeeded) return (null, Carry(creatable));
        var content = creatable.Value!;
        var decision = new ListingState().Create(BashuId.New(content.Region!.Value), new ListingCreation(content, platformId), actor, now);
        return decision.Outcome.Succeeded ? (decision.Next, null) : (null, decision.Outcome);
    }

    private static Outcome<ListingView> Carry(Outcome<ListingDraft> refused) => new(refused.Refusal, null, refused.Detail, refused.Errors);

    /// <summary>The keys that have a row; one primary-key lookup each (LATERAL), whatever the table's statistics say.</summary>
    private async Task<HashSet<string>> ExistingAsync(string stateName, string[] keys)
    {
        await using var command = database.CreateCommand("""
            SELECT s.grain_key FROM unnest($3::text[]) k(key)
              JOIN LATERAL (SELECT grain_key FROM grain_state
                             WHERE service_id = $1 AND state_name = $2 AND grain_key = k.key AND grain_n0 = 0 AND grain_n1 = 0) s ON true
            """);
        command.Parameters.Add(new() { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new() { Value = stateName });
        command.Parameters.Add(new() { Value = keys });
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) existing.Add(reader.GetString(0));
        return existing;
    }

    /// <summary>First writes (version 1) of these states, with their change-log rows; returns the keys written (not those that exist).</summary>
    private async Task<HashSet<string>> InsertAsync(NpgsqlConnection connection, string stateName, IEnumerable<(string Key, string Payload)> rows)
    {
        var list = rows.ToList();
        var written = new HashSet<string>(StringComparer.Ordinal);
        if (list.Count == 0) return written;
        await using var command = new NpgsqlCommand("SELECT written_key FROM bashu_write_grain_states($1, $2, $3, $4, $5)", connection);
        command.Parameters.Add(new() { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new() { Value = Enumerable.Repeat(stateName, list.Count).ToArray() });
        command.Parameters.Add(new() { Value = list.Select(r => r.Key).ToArray() });
        command.Parameters.Add(new() { Value = new int?[list.Count], NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = list.Select(r => r.Payload).ToArray() });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) written.Add(reader.GetString(0));
        return written;
    }
}
