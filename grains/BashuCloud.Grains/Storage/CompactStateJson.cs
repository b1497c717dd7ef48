using System.Text.Json;
using System.Text.Json.Serialization;

namespace BashuCloud.Storage;

/// <summary>
/// How stored state is read back into an activation that may live for hours beside 100,000 others: the same JSON
/// (<see cref="BashuJson"/>), but short strings that many states repeat (cities, keywords, owners' names, platform and
/// principal ids, audit actions) are shared rather than held once per activation, and lists become exact arrays (a
/// list read from JSON keeps a spare capacity and a second object; an empty one is the one shared empty array).
/// Writing is unchanged: the stored format stays the API's format.
/// </summary>
internal static class CompactStateJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = BashuJson.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));
        options.Converters.Add(new SharedStringConverter(new StringPool(4096)));
        options.Converters.Add(new ArrayListConverterFactory());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private sealed class SharedStringConverter(StringPool pool) : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetString() is { } value ? pool.Share(value) : null;

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    /// <summary>Reads any IReadOnlyList&lt;T&gt; as a T[] of exactly its length.</summary>
    private sealed class ArrayListConverterFactory : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) =>
            typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(IReadOnlyList<>);

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(ArrayListConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;
    }

    private sealed class ArrayListConverter<T> : JsonConverter<IReadOnlyList<T>>
    {
        public override IReadOnlyList<T>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null) return null;
            return JsonSerializer.Deserialize<T[]>(ref reader, options) is { Length: > 0 } items ? items : [];
        }

        public override void Write(Utf8JsonWriter writer, IReadOnlyList<T> value, JsonSerializerOptions options)
        {
            writer.WriteStartArray();
            foreach (var item in value) JsonSerializer.Serialize(writer, item, options);
            writer.WriteEndArray();
        }
    }
}

/// <summary>
/// A small, fixed-size, lossy pool of short strings: a string equal to one the pool holds comes back as that one.
/// Bounded by design (a slot holds the last string that hashed to it), so text from users cannot grow it, unlike
/// <see cref="string.Intern"/>, which keeps every string for the life of the process. Safe for concurrent use: a
/// slot is one reference, read and replaced whole.
/// </summary>
internal sealed class StringPool
{
    /// <summary>Longer strings (titles, summaries) are rarely repeated: not worth a slot.</summary>
    public const int MaxLength = 48;

    private readonly string?[] _slots;

    public StringPool(int size)
    {
        if (size <= 0 || (size & (size - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(size), "a power of two");
        _slots = new string?[size];
    }

    public string Share(string value)
    {
        if (value.Length == 0) return string.Empty;
        if (value.Length > MaxLength) return value;
        ref var slot = ref _slots[string.GetHashCode(value) & (_slots.Length - 1)];
        var held = Volatile.Read(ref slot);
        if (held is not null && string.Equals(held, value, StringComparison.Ordinal)) return held;
        Volatile.Write(ref slot, value);
        return value;
    }
}
