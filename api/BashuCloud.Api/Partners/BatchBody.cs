using System.Text.Json;

namespace BashuCloud.Api.Partners;

/// <summary>
/// A sync batch's body, read once into one buffer while its items are counted as they arrive: the item after the
/// most a batch may hold stops the reading there, so an oversized batch costs neither the rest of its upload nor a
/// parse. The bytes are then deserialized, checked and hashed where they lie (no second copy).
/// </summary>
public sealed class BatchBody
{
    private const int FirstBuffer = 64 * 1024;
    private readonly int _maxItems;
    private byte[] _buffer;
    private int _length;
    private int _scanned;
    private JsonReaderState _state;
    private bool _unreadable;
    private bool _itemsNext;
    private bool _inItems;

    private BatchBody(int maxItems, long? contentLength)
    {
        _maxItems = maxItems;
        _buffer = new byte[contentLength is > 0 and <= int.MaxValue ? (int)contentLength : FirstBuffer];
        var options = BashuJson.Options;
        _state = new(new JsonReaderOptions { AllowTrailingCommas = options.AllowTrailingCommas, CommentHandling = options.ReadCommentHandling, MaxDepth = options.MaxDepth });
    }

    /// <summary>The items seen so far (all of them once the body is read whole).</summary>
    public int Items { get; private set; }

    /// <summary>Whether more than the allowed items came: the reading stopped there.</summary>
    public bool TooMany => Items > _maxItems;

    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, _length);

    /// <summary>Reads the body to its end, or until the item after <paramref name="maxItems"/>.</summary>
    public static async Task<BatchBody> ReadAsync(HttpRequest request, int maxItems, CancellationToken cancellationToken)
    {
        var body = new BatchBody(maxItems, request.ContentLength);
        while (!body.TooMany)
        {
            // The server ends the body at its Content-Length: a full buffer of that length is the whole body.
            var read = body._length == request.ContentLength ? 0 : await body.ReadMoreAsync(request.Body, cancellationToken);
            body.Count(final: read == 0);
            if (read == 0) break;
        }
        return body;
    }

    private async Task<int> ReadMoreAsync(Stream stream, CancellationToken cancellationToken)
    {
        if (_length == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = await stream.ReadAsync(_buffer.AsMemory(_length), cancellationToken);
        _length += read;
        return read;
    }

    /// <summary>
    /// Counts the elements of the top-level "items" array in the bytes not scanned yet (a token cut off at the end
    /// waits for the next read). JSON the scanner cannot read is left to the deserializer, which says what is wrong.
    /// </summary>
    private void Count(bool final)
    {
        if (_unreadable) return;
        var reader = new Utf8JsonReader(_buffer.AsSpan(_scanned, _length - _scanned), final, _state);
        try
        {
            while (!TooMany && reader.Read()) Follow(ref reader);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            _unreadable = true;
            return;
        }
        _scanned += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
    }

    private void Follow(ref Utf8JsonReader reader)
    {
        switch (reader.CurrentDepth, reader.TokenType)
        {
            case (1, JsonTokenType.PropertyName):
                // Property names bind case-insensitively (the API's JSON options), so "Items" is the items too.
                _itemsNext = reader.ValueSpan.Length <= 64 && string.Equals(reader.GetString(), "items", StringComparison.OrdinalIgnoreCase);
                break;
            case (1, JsonTokenType.StartArray):
                _inItems = _itemsNext;
                break;
            case (1, JsonTokenType.EndArray):
                _inItems = false;
                break;
            case (2, not (JsonTokenType.EndObject or JsonTokenType.EndArray or JsonTokenType.PropertyName or JsonTokenType.Comment)) when _inItems:
                Items++;
                break;
        }
    }
}
