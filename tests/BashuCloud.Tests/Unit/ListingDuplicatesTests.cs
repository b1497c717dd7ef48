using BashuCloud.Api.Listings;
using BashuCloud.Listings;
using CsCheck;

namespace BashuCloud.Tests.Unit;

/// <summary>Near-duplicate titles: the share of character pairs in common, and the flag a submission carries.</summary>
public sealed class ListingDuplicatesTests
{
    [Theory]
    [InlineData("地铁隧道智能巡检机器人", "地铁隧道智能巡检机器人", true)]
    [InlineData("地铁隧道智能巡检机器人", "地铁隧道智能巡检机器人样机", true)]
    [InlineData("Tunnel inspection robot", "tunnel inspection robots", true)]
    [InlineData("地铁隧道智能巡检机器人", "地铁隧道渗漏水监测系统", false)]
    [InlineData("锂电池回收", "锂电池隔膜", false)]
    public void Near_identical_titles_share_at_least_four_fifths_of_their_character_pairs(string a, string b, bool near) =>
        Assert.Equal(near, ListingDuplicates.Similarity(a, b) >= ListingDuplicates.Threshold);

    /// <summary>
    /// What lets the search find every near-identical title through the index alone: such a title holds every pair of
    /// at least one group of the submitted title's pairs. Titles from a small alphabet with a few characters changed,
    /// so that many pairs are near-identical and many just miss.
    /// </summary>
    [Fact]
    public void A_near_identical_title_holds_every_pair_of_at_least_one_group_of_the_other()
    {
        const string alphabet = "锂电池正极材料回收ab 1";
        var title = Gen.Int[0, alphabet.Length - 1].Array[2, 40].Select(i => new string([.. i.Select(c => alphabet[c])]));
        var edits = Gen.Select(Gen.Int[0, 1000], Gen.Int[0, alphabet.Length - 1]).Array[0, 4];
        var near = 0;
        Gen.Select(title, edits).Sample((a, changes) =>
        {
            var b = a.ToCharArray();
            foreach (var (at, to) in changes) b[at % b.Length] = alphabet[to];
            if (ListingDuplicates.Similarity(a, new string(b)) < ListingDuplicates.Threshold) return;
            near++;
            var held = ListingDuplicates.TitlePairs(new string(b)).ToHashSet();
            Assert.Contains(ListingDuplicates.Groups(ListingDuplicates.TitlePairs(a)), group => group.All(held.Contains));
        }, iter: 20_000, seed: "0N0XIzNsQ0O2");
        Assert.True(near > 1000, $"only {near} near-identical pairs of titles were generated");
    }

    [Fact]
    public void A_submission_is_flagged_never_refused_for_possible_duplicates()
    {
        const string id = "sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A";
        var owner = Samples.Owner();
        var draft = new ListingState().Create(id, new ListingCreation(Samples.Draft(), owner.PrincipalId), owner, Samples.Now).Next;
        var submitted = draft.Submit(1, owner, Samples.Now, ["sichuan-b", "sichuan-a", "sichuan-b", id]);
        Assert.True(submitted.Outcome.Succeeded);
        Assert.Equal(["sichuan-b", "sichuan-a"], submitted.Outcome.Value!.PossibleDuplicates!);
        Assert.Equal("possible duplicates: sichuan-b, sichuan-a", submitted.Next.LastChange!.Detail);
        Assert.Empty(draft.Submit(1, owner, Samples.Now).Next.PossibleDuplicates);
    }
}
