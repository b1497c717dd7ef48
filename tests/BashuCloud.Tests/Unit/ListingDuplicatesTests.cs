using BashuCloud.Api.Listings;
using BashuCloud.Listings;

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
