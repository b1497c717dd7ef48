using System.Collections;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using BashuCloud.Listings;

namespace BashuCloud.Cli.Import;

/// <summary>
/// A CSV file of listings (RFC 4180, UTF-8 with or without a byte order mark): a header of listing fields, named
/// as in the API's JSON, and a listing a row. Each row becomes the JSON object the API would be sent and is read
/// as the API reads it, so the columns are exactly the listing's fields, never a list kept here.
/// </summary>
public static class ListingCsv
{
    private const string ExternalIdColumn = "externalId";

    /// <summary>Separators of a list cell (keywords, dealTypes, owners): ASCII or full-width semicolons.</summary>
    private static readonly char[] ListSeparators = [';', '；'];

    private static readonly char[] ShareSeparators = [':', '：'];

    /// <summary>The listing's fields by JSON name, as the API's JSON options name them: the CSV columns besides externalId.</summary>
    public static IReadOnlyList<JsonPropertyInfo> Fields { get; } = [.. new DefaultJsonTypeInfoResolver().GetTypeInfo(typeof(ListingDraft), BashuJson.Options).Properties];

    public static string Columns => string.Join(",", Fields.Select(f => f.Name).Prepend(ExternalIdColumn));

    public static IReadOnlyList<ImportRow> Read(byte[] bytes, string file)
    {
        var text = Encoding.UTF8.GetString(ListingFile.Utf8(bytes, file).Span);
        using var records = Records(text, file).GetEnumerator();
        if (!records.MoveNext()) throw new ListingFileException($"{file} 是空的，缺少表头 (the file is empty: it needs a header)");
        var columns = Header(records.Current.Cells, file);
        var rows = new List<ImportRow>();
        while (records.MoveNext())
        {
            var (line, cells) = records.Current;
            if (cells.All(string.IsNullOrWhiteSpace)) continue;
            var where = $"第 {line} 行 (line {line})";
            rows.Add(cells.Count > columns.Count
                ? new ImportRow(where, null, $"有 {cells.Count} 格，多于表头的 {columns.Count} 列 ({cells.Count} cells, the header has {columns.Count} columns)")
                : Row(where, columns, cells));
        }
        return rows;
    }

    /// <summary>The field of each column (null for externalId); an unknown or repeated column is refused, naming it.</summary>
    private static List<JsonPropertyInfo?> Header(List<string> cells, string file)
    {
        var columns = new List<JsonPropertyInfo?>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in cells.Select(c => c.Trim()))
        {
            var field = Fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
            if (field is null && !string.Equals(name, ExternalIdColumn, StringComparison.OrdinalIgnoreCase))
            {
                throw new ListingFileException($"{file} 第 1 行：未知列“{name}” (line 1: unknown column \"{name}\"); 可用的列 (columns): {Columns}");
            }
            if (!seen.Add(name)) throw new ListingFileException($"{file} 第 1 行：列“{name}”重复 (line 1: column \"{name}\" appears twice)");
            columns.Add(field);
        }
        return columns;
    }

    private static ImportRow Row(string where, List<JsonPropertyInfo?> columns, List<string> cells)
    {
        string? externalId = null;
        var listing = new JsonObject();
        for (var i = 0; i < cells.Count; i++)
        {
            var cell = cells[i].Trim();
            if (cell.Length == 0) continue;
            if (columns[i] is not { } field) externalId = cell;
            else listing[field.Name] = Value(field.PropertyType, cell);
        }
        return ListingFile.FromJson(where, externalId, listing);
    }

    /// <summary>
    /// A cell as JSON: lists split at semicolons, an owner as "name:share" (the last colon), anything else a string,
    /// which the API's JSON reading accepts for numbers too.
    /// </summary>
    private static JsonNode? Value(Type type, string cell)
    {
        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type)) return JsonValue.Create(cell);
        var items = cell.Split(ListSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return type == typeof(IReadOnlyList<Owner>)
            ? new JsonArray([.. items.Select(OwnerNode)])
            : new JsonArray([.. items.Select(item => (JsonNode?)JsonValue.Create(item))]);
    }

    private static JsonNode? OwnerNode(string item) => item.LastIndexOfAny(ShareSeparators) is var at and > 0
        ? new JsonObject { ["name"] = item[..at].Trim(), ["share"] = item[(at + 1)..].Trim() }
        : new JsonObject { ["name"] = item };

    /// <summary>RFC 4180 records, each with the line it starts on: quoted cells may hold commas, quotes ("") and line breaks.</summary>
    private static IEnumerable<(int Line, List<string> Cells)> Records(string text, string file)
    {
        var (line, start) = (1, 1);
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') cell.Append(text[++i]);
                else if (c == '"') quoted = false;
                else cell.Append(c);
                if (c == '\n') line++;
                continue;
            }
            switch (c)
            {
                case '"' when cell.Length == 0:
                    quoted = true;
                    break;
                case ',':
                    cells.Add(cell.ToString());
                    cell.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    cells.Add(cell.ToString());
                    cell.Clear();
                    yield return (start, cells);
                    cells = [];
                    start = ++line;
                    break;
                default:
                    cell.Append(c);
                    break;
            }
        }
        if (quoted) throw new ListingFileException($"{file} 第 {start} 行的引号没有闭合 (an unclosed quote in the record starting at line {start})");
        if (cell.Length > 0 || cells.Count > 0)
        {
            cells.Add(cell.ToString());
            yield return (start, cells);
        }
    }
}
