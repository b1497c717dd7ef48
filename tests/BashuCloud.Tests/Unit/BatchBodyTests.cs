using System.Text;
using BashuCloud.Api.Partners;
using Microsoft.AspNetCore.Http;

namespace BashuCloud.Tests.Unit;

/// <summary>A sync batch's items are counted while its body arrives, whatever the chunks the network cuts it into.</summary>
public sealed class BatchBodyTests
{
    [Theory]
    [InlineData("""{"partnerId": "kczg", "items": [{"op": "upsert", "listing": {"keywords": ["a", "b"], "owners": [{"name": "x"}]}}, {"op": "withdraw"}, null]}""", 3)]
    [InlineData("""{"Items": [1, [2, 3], {"items": [4, 5, 6]}], "other": [7, 8]}""", 3)]
    [InlineData("""{"partnerId": "kczg", "items": []}""", 0)]
    public async Task Only_the_elements_of_the_top_level_items_array_count(string json, int items)
    {
        foreach (var chunk in new[] { 1, 7, 4096 })
        {
            var body = await BatchBody.ReadAsync(Request(Encoding.UTF8.GetBytes(json), chunk), 1000, CancellationToken.None);
            Assert.Equal(items, body.Items);
            Assert.False(body.TooMany);
            Assert.Equal(json, Encoding.UTF8.GetString(body.Bytes));
        }
    }

    [Fact]
    public async Task Reading_stops_at_the_item_after_the_most_a_batch_may_hold()
    {
        var json = Encoding.UTF8.GetBytes("{\"items\": [" + string.Join(",", Enumerable.Repeat("{\"op\": \"withdraw\", \"externalId\": \"地铁-1\"}", 5000)) + "]}");
        var stream = new ChunkedStream(json, 64);
        var body = await BatchBody.ReadAsync(Request(stream), 1000, CancellationToken.None);
        Assert.True(body.TooMany);
        Assert.Equal(1001, body.Items);
        Assert.True(stream.Position < json.Length / 4, $"read {stream.Position} of {json.Length} bytes");
    }

    [Fact]
    public async Task Broken_json_is_left_whole_to_the_deserializer()
    {
        var json = Encoding.UTF8.GetBytes("{\"items\": [1, 2,, 3");
        var body = await BatchBody.ReadAsync(Request(json, 3), 1000, CancellationToken.None);
        Assert.False(body.TooMany);
        Assert.Equal(json, body.Bytes.ToArray());
    }

    private static HttpRequest Request(byte[] json, int chunk) => Request(new ChunkedStream(json, chunk));

    private static HttpRequest Request(Stream body) => new DefaultHttpContext { Request = { Body = body } }.Request;

    /// <summary>Hands out at most <paramref name="chunk"/> bytes a read, as a slow network would.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
