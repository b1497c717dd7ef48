namespace BashuCloud.Tests.Statistics;

/// <summary>
/// The counters behind the joint statistics, kept by triggers on the read-model tables, against a GROUP BY over
/// those tables after random statements of every kind the projection and a rebuild make: multi-row upserts that
/// insert and change status, region, field and month at once, and deletes.
/// </summary>
public sealed class ReadModelCounterTests : IAsyncLifetime
{
    private static readonly string[] Kinds = ["Achievement", "Demand", "Patent", "Service", "Expert", "Case"];
    private static readonly string[] Statuses = ["Draft", "InReview", "Published", "Withdrawn", "Expired"];
    private static readonly string[] Fields = ["NewEnergy", "Biomedicine", "RailTransit", "Other"];
    private static readonly string[] RegionCodes = ["sichuan", "chongqing"];
    private static readonly string[] Roles = ["Researcher", "Enterprise", "Administrator"];

    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Counters_equal_a_group_by_after_random_inserts_status_changes_and_deletes()
    {
        var random = new Random(20201210);
        var ids = new List<string>();
        for (var round = 0; round < 40; round++)
        {
            // One statement a round, as the projector's upsert: new rows and changes of old ones together.
            var batch = Enumerable.Range(0, random.Next(1, 60))
                .Select(_ => ids.Count > 0 && random.Next(3) > 0 ? ids[random.Next(ids.Count)] : $"sichuan-{Guid.NewGuid():N}")
                .Distinct().ToArray();
            ids.AddRange(batch.Except(ids));
            await _db.ExecuteAsync("""
                INSERT INTO rm_listing AS r (id, kind, status, region, platform_id, owner_id, title, summary, field, trl, price_model,
                                             version, created_at, updated_at)
                SELECT id, k, s, g, 'sichuan', 'o', 't', 's', f, 5, 'Fixed', v, c, c
                  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[]) AS u(id, k, s, g, f, v, c)
                ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, status = EXCLUDED.status, region = EXCLUDED.region,
                    field = EXCLUDED.field, created_at = EXCLUDED.created_at, version = r.version + 1
                """,
                batch, Pick(random, Kinds, batch.Length), Pick(random, Statuses, batch.Length), Pick(random, RegionCodes, batch.Length),
                Pick(random, Fields, batch.Length), batch.Select(_ => 1).ToArray(),
                // Months on both sides of a month's edge in China time (UTC+8), where a UTC month would be wrong.
                batch.Select(_ => new DateTime(2025, random.Next(1, 13), 1, 0, 0, 0, DateTimeKind.Utc).AddHours(random.Next(-20, 20))).ToArray());
            if (round % 5 == 4)
            {
                await _db.ExecuteAsync("DELETE FROM rm_listing WHERE id = ANY($1)", (object)ids.Where(_ => random.Next(8) == 0).ToArray());
            }
            await _db.ExecuteAsync("""
                INSERT INTO rm_user AS r (id, display_name, role, region, version, created_at)
                SELECT 'u' || (random() * 30)::int, 'n', $1, $2, 1, now()
                ON CONFLICT (id) DO UPDATE SET role = EXCLUDED.role, region = EXCLUDED.region
                """, Roles[random.Next(Roles.Length)], RegionCodes[random.Next(2)]);
        }

        Assert.True(await _db.ScalarAsync<long>("SELECT count(*) FROM rm_listing") > 100);
        Assert.Equal(0L, await _db.ScalarAsync<long>(GroundTruth.ListingCounters));
        Assert.Equal(0L, await _db.ScalarAsync<long>(GroundTruth.MonthlyCounters));
        Assert.Equal(0L, await _db.ScalarAsync<long>(GroundTruth.UserCounters));
        Assert.Equal(0L, await _db.ScalarAsync<long>("SELECT count(*) FROM rm_listing_counts WHERE n < 0"));
    }

    private static string[] Pick(Random random, string[] values, int count) => [.. Enumerable.Range(0, count).Select(_ => values[random.Next(values.Length)])];
}
