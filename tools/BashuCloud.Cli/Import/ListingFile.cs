using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BashuCloud.Api.Partners;
using BashuCloud.Listings;

namespace BashuCloud.Cli.Import;

/// <summary>A file that cannot be read as listings at all (not UTF-8, not JSON, an unknown CSV column): exit code 1.</summary>
public sealed class ListingFileException(string message) : Exception(message);

/// <summary>One listing of the file: where it is ("第 3 行 (line 3)"), and the sync item it becomes or why it cannot.</summary>
public sealed record ImportRow(string Where, SyncItem? Item, string? Problem);

/// <summary>
/// Reads a file of listings into sync items, the body of POST /api/v1/sync/batch: a JSON array of listings (each
/// as POST /api/v1/listings takes it, with an optional externalId) or of sync items ({op, externalId, listing}), or
/// a whole sync batch ({partnerId, items}). Only reading happens here; every rule is the API's.
/// </summary>
public static class ListingFile
{
    private const string ExternalIdField = "externalId";

    /// <summary>The file's text, if it is UTF-8 (a byte order mark is dropped).</summary>
    public static ReadOnlyMemory<byte> Utf8(byte[] bytes, string file)
    {
        ReadOnlyMemory<byte> text = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? bytes.AsMemory(Encoding.UTF8.Preamble.Length) : bytes;
        return System.Text.Unicode.Utf8.IsValid(text.Span) ? text
            : throw new ListingFileException($"{file} 不是 UTF-8 编码，请另存为“CSV UTF-8”或 UTF-8 文本 (the file is not UTF-8: save it as CSV UTF-8 or UTF-8 text)");
    }

    /// <summary>The rows of a JSON file, and the partner a sync batch names (null for a plain array).</summary>
    public static (IReadOnlyList<ImportRow> Rows, string? PartnerId) ReadJson(byte[] bytes, string file)
    {
        var text = Utf8(bytes, file);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException exception)
        {
            throw new ListingFileException($"{file} 第 {exception.LineNumber + 1} 行不是有效的 JSON (not valid JSON at line {exception.LineNumber + 1}): {exception.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            string? partnerId = null;
            if (root.ValueKind is JsonValueKind.Object && root.TryGetProperty("items", out var items) && items.ValueKind is JsonValueKind.Array)
            {
                partnerId = root.TryGetProperty("partnerId", out var partner) && partner.ValueKind is JsonValueKind.String ? partner.GetString() : null;
                root = items;
            }
            if (root.ValueKind is not JsonValueKind.Array)
            {
                throw new ListingFileException($"{file} 应为项目数组，或带 items 的同步批次 (expected an array of listings, or a sync batch with items)");
            }
            var lines = ElementLines(text.Span, inItems: document.RootElement.ValueKind is JsonValueKind.Object);
            var rows = root.EnumerateArray().Select((element, i) => Row(element, $"第 {i + 1} 项，第 {lines[i]} 行 (item {i + 1}, line {lines[i]})")).ToList();
            return (rows, partnerId);
        }
    }

    private static ImportRow Row(JsonElement element, string where)
    {
        if (element.ValueKind is not JsonValueKind.Object) return new(where, null, "应为 JSON 对象 (must be a JSON object)");
        try
        {
            if (element.TryGetProperty("op", out _) || element.TryGetProperty("listing", out _))
            {
                var item = element.Deserialize<SyncItem>(BashuJson.Options)!;
                return new(where, item is { Op: "upsert", ExternalId: null, Listing: { } listing } ? item with { ExternalId = ContentId(listing) } : item, null);
            }
            string? externalId = null;
            if (element.TryGetProperty(ExternalIdField, out var id) && id.ValueKind is not JsonValueKind.Null)
            {
                externalId = id.ValueKind is JsonValueKind.String ? id.GetString() : throw new JsonException(null, "$." + ExternalIdField, null, null);
            }
            return Upsert(where, externalId, element.Deserialize<ListingDraft>(BashuJson.Options)!);
        }
        catch (JsonException exception)
        {
            return new(where, null, Unreadable(exception));
        }
    }

    /// <summary>An upsert of the draft; without an external id, under the one its content gives.</summary>
    public static ImportRow Upsert(string where, string? externalId, ListingDraft draft) =>
        new(where, new SyncItem("upsert", externalId ?? ContentId(draft), draft, null), null);

    /// <summary>A row's draft as the API would read it from JSON, or why it cannot be read.</summary>
    public static ImportRow FromJson(string where, string? externalId, JsonObject listing)
    {
        try
        {
            return Upsert(where, externalId, listing.Deserialize<ListingDraft>(BashuJson.Options)!);
        }
        catch (JsonException exception)
        {
            return new(where, null, Unreadable(exception));
        }
    }

    private static string Unreadable(JsonException exception) => exception.Path is { Length: > 2 } path
        ? $"{path[2..]}: 值无法读取，类型或取值不对 (the value cannot be read: wrong type or unknown name)"
        : $"无法读取 (cannot be read): {exception.Message}";

    /// <summary>
    /// The external id of a row that names none, from its content (its platform aside, which --platform may supply):
    /// importing the same file again finds the same listings and creates nothing. A row edited without an externalId
    /// is new content, so a new listing; give rows an externalId to update them in place.
    /// </summary>
    public static string ContentId(ListingDraft draft) =>
        "sha256-" + Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(draft with { PlatformId = null }, BashuJson.Options)))[..40];

    /// <summary>The line (from 1) each element of the listing array starts on.</summary>
    private static List<int> ElementLines(ReadOnlySpan<byte> json, bool inItems)
    {
        var reader = new Utf8JsonReader(json);
        var lines = new List<int>();
        var depth = inItems ? -1 : 1;
        var (line, counted) = (1, 0);
        while (reader.Read())
        {
            if (depth < 0)
            {
                if (reader.TokenType is JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("items")) depth = 2;
                else if (reader.CurrentDepth == 1 && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
                continue;
            }
            if (reader.CurrentDepth == depth - 1 && reader.TokenType is JsonTokenType.EndArray) break;
            if (reader.CurrentDepth != depth || reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray or JsonTokenType.PropertyName) continue;
            var start = (int)reader.TokenStartIndex;
            line += json[counted..start].Count((byte)'\n');
            counted = start;
            lines.Add(line);
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        }
        return lines;
    }
}
