using BashuCloud.Listings;
using BashuCloud.Platforms;
using BashuCloud.Users;
using Npgsql;

namespace BashuCloud.Seeds;

/// <summary>What a load did: created now, or found from an earlier load.</summary>
public sealed record SeedReport(int PlatformsCreated, int UsersCreated, int ListingsCreated, int ListingsAdvanced, int Existing);

/// <summary>
/// Loads the seed data through the grains, as the platform's own administrator would. Idempotent: ids are
/// derived from seed keys, what exists is left alone, and a listing that a crashed load left half-way through
/// its review is moved on to the status the seed asks for.
/// </summary>
public sealed class SeedLoader(IGrainFactory grains)
{
    public static readonly Actor Loader = new("seed-loader", UserRole.Administrator, null);

    public async Task<SeedReport> LoadAsync(SeedData data, CancellationToken cancellationToken = default)
    {
        int platforms = 0, users = 0, listings = 0, advanced = 0, existing = 0;
        foreach (var platform in data.Platforms)
        {
            var outcome = await grains.GetGrain<IPlatformGrain>(platform.Id).RegisterAsync(platform.ToRegistration(), Loader);
            Count(outcome.Refusal, ref platforms, ref existing, $"platform {platform.Id}", outcome.Detail);
        }
        await Parallel.ForEachAsync(data.Users, Options(cancellationToken), async (user, _) =>
        {
            var outcome = await grains.GetGrain<IUserGrain>(user.Id).RegisterAsync(user.ToRegistration(), Loader);
            Count(outcome.Refusal, ref users, ref existing, $"user {user.SeedKey}", outcome.Detail);
        });
        var owners = data.Users.ToDictionary(u => u.SeedKey, u => u.Id);
        await Parallel.ForEachAsync(data.Listings, Options(cancellationToken), async (listing, _) =>
        {
            var grain = grains.GetGrain<IListingGrain>(listing.Id);
            var created = await grain.CreateAsync(new ListingCreation(listing.ToDraft(), owners[listing.OwnerSeedKey]), Loader);
            Count(created.Refusal, ref listings, ref existing, $"listing {listing.SeedKey}", created.Detail, created.Errors);
            var current = created.Value ?? await grain.GetAsync() ?? throw new InvalidOperationException($"listing {listing.SeedKey} vanished");
            if (await AdvanceAsync(grain, current, listing.Status)) Interlocked.Increment(ref advanced);
        });
        return new SeedReport(platforms, users, listings, advanced, existing);
    }

    /// <summary>The 2020 joint academic lists (the registry grows in its own issue); idempotent.</summary>
    public static async Task LoadAcademicListsAsync(NpgsqlDataSource database, SeedData data, CancellationToken cancellationToken = default)
    {
        foreach (var list in data.AcademicLists)
        {
            await using var command = database.CreateCommand("""
                INSERT INTO academic_list (year, list_kind, title, announced_on, announced_at, entry_count, source)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (year, list_kind) DO NOTHING
                """);
            foreach (var value in new object[] { list.Year, list.ListKind, list.Title, list.AnnouncedOn, list.AnnouncedAt, list.EntryCount, list.Source })
            {
                command.Parameters.Add(new() { Value = value });
            }
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Walks a listing along its lifecycle to the seed's status; true when it moved.</summary>
    private static async Task<bool> AdvanceAsync(IListingGrain grain, ListingView current, ListingStatus target)
    {
        var moved = false;
        while (current.Status != target)
        {
            Outcome<ListingView> step = (current.Status, target) switch
            {
                (ListingStatus.Draft, ListingStatus.InReview or ListingStatus.Published) => await grain.SubmitAsync(current.Version, Loader),
                (ListingStatus.InReview, ListingStatus.Published) => await grain.ApproveAsync(current.Version, Loader),
                (ListingStatus.Draft or ListingStatus.InReview or ListingStatus.Published, ListingStatus.Withdrawn) =>
                    await grain.WithdrawAsync("种子数据：已撤回的示例 (seed: a withdrawn example)", current.Version, Loader),
                _ => throw new InvalidOperationException($"Seed listing {current.Id} is {current.Status} and cannot become {target}."),
            };
            if (!step.Succeeded) throw new InvalidOperationException($"Seed listing {current.Id}: {step.Refusal} {step.Detail}");
            current = step.Value!;
            moved = true;
        }
        return moved;
    }

    private static void Count(Refusal refusal, ref int created, ref int existing, string what, string? detail, IReadOnlyDictionary<string, string[]>? errors = null)
    {
        switch (refusal)
        {
            case Refusal.None: Interlocked.Increment(ref created); break;
            case Refusal.AlreadyExists: Interlocked.Increment(ref existing); break;
            default:
                var fields = errors is null ? "" : " " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"));
                throw new InvalidOperationException($"Seed {what} refused: {refusal} {detail}{fields}");
        }
    }

    private static ParallelOptions Options(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken };
}
