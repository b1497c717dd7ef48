using BashuCloud.Listings;
using BashuCloud.Storage;

namespace BashuCloud.Tests.Unit;

/// <summary>Stored state read back compactly: the same state, less memory per activation.</summary>
public class CompactStateJsonTests
{
    private static ListingState Stored(string id, string title) =>
        new ListingState().Create(id, new ListingCreation(Samples.Draft() with { Title = title }, Samples.Owner().PrincipalId), Samples.Owner(), Samples.Now).Next;

    private static ListingState ReadBack(ListingState state) =>
        JsonGrainStateSerializer.FromJson<ListingState>(JsonGrainStateSerializer.ToJson(state));

    [Fact]
    public void A_state_read_back_is_the_state_that_was_stored()
    {
        var state = Stored("sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A", "高安全锂电池正极材料");
        var json = JsonGrainStateSerializer.ToJson(state);
        Assert.Equal(json, JsonGrainStateSerializer.ToJson(JsonGrainStateSerializer.FromJson<ListingState>(json)));
    }

    [Fact]
    public void Short_strings_that_states_repeat_are_held_once()
    {
        var a = ReadBack(Stored("sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A", "高安全锂电池正极材料"));
        var b = ReadBack(Stored("sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0B", "地铁隧道巡检机器人"));
        Assert.Same(a.Content!.City, b.Content!.City);
        Assert.Same(a.OwnerId, b.OwnerId);
        Assert.Same(a.Content.Keywords![0], b.Content.Keywords![0]);
        Assert.Same(a.Content.Owners![0].Name, b.Content.Owners![0].Name);
        Assert.Same(a.LastChange!.Action, b.LastChange!.Action);
        Assert.NotEqual(a.Content.Title, b.Content.Title);
    }

    [Fact]
    public void Lists_are_exact_arrays_and_empty_lists_the_shared_empty_array()
    {
        var state = ReadBack(Stored("sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A", "高安全锂电池正极材料"));
        var keywords = Assert.IsType<string[]>(state.Content!.Keywords);
        Assert.Equal(Samples.Draft().Keywords, keywords);
        Assert.IsType<Owner[]>(state.Content.Owners);
        Assert.Same(Array.Empty<string>(), state.ActiveDeals);
        Assert.Same(Array.Empty<string>(), state.PossibleDuplicates);
    }

    [Fact]
    public void The_pool_is_bounded_and_never_changes_a_value()
    {
        var pool = new StringPool(16);
        // Far more distinct strings than slots: each comes back equal to itself, whatever it displaced.
        for (var i = 0; i < 10_000; i++)
        {
            var value = $"城市{i}";
            Assert.Equal(value, pool.Share(new string(value)));
        }
        var shared = pool.Share(new string("成都"));
        Assert.Same(shared, pool.Share(new string("成都")));
        // Long text is not pooled: each string comes back as itself.
        var first = new string('长', StringPool.MaxLength + 1);
        var second = new string(first);
        Assert.Same(first, pool.Share(first));
        Assert.Same(second, pool.Share(second));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StringPool(12));
    }
}
