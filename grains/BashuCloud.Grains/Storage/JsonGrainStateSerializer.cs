using System.Text.Json;
using Orleans.Storage;

namespace BashuCloud.Storage;

/// <summary>
/// Grain state as plain JSON (System.Text.Json, <see cref="BashuJson"/>), without type annotations, so the
/// database keeps it as jsonb that projections and operators can read; read back compactly (<see cref="CompactStateJson"/>).
/// The one definition of the stored format:
/// our grain storage uses <see cref="ToJson{T}"/> and <see cref="FromJson{T}"/>; the instance methods serve
/// Orleans' ADO.NET grain storage, which reads and writes the same rows.
/// </summary>
public sealed class JsonGrainStateSerializer : IGrainStorageSerializer
{
    public static string ToJson<T>(T? state) => JsonSerializer.Serialize(state, BashuJson.Options);

    public static T FromJson<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, CompactStateJson.Options) ?? throw new JsonException($"Stored state of {typeof(T).Name} is null.");

    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, BashuJson.Options));

    public T Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize<T>(input.ToMemory().Span, CompactStateJson.Options)
        ?? throw new JsonException($"Stored state of {typeof(T).Name} is null.");
}
