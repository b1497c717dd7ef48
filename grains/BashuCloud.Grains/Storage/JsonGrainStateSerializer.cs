using System.Text.Json;
using Orleans.Storage;

namespace BashuCloud.Storage;

/// <summary>
/// Grain state as plain JSON (System.Text.Json, <see cref="BashuJson"/>), without type annotations, so the
/// database keeps it as jsonb that projections and operators can read.
/// </summary>
public sealed class JsonGrainStateSerializer : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, BashuJson.Options));

    public T Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize<T>(input.ToMemory().Span, BashuJson.Options)
        ?? throw new JsonException($"Stored state of {typeof(T).Name} is null.");
}
