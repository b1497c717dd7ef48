using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;

namespace BashuCloud.Text;

/// <summary>
/// What characters a text field may hold, for every string the platform accepts. Refused: C0 and C1 control
/// characters (PostgreSQL's jsonb refuses U+0000 outright, and one refused row fails a whole group-commit batch),
/// the bidirectional overrides and isolates U+202A–U+202E and U+2066–U+2069 (they make a listing display as
/// something other than what it says), noncharacters and lone surrogates. Tab and newline only in multi-line fields.
/// 4-byte characters and combining marks are text like any other. Pure: every validator asks it.
/// </summary>
public static class TextRules
{
    /// <summary>The fields (by JSON name) whose text may run over several lines: summaries, reasons, notes, terms.</summary>
    public static readonly FrozenSet<string> MultiLineFields = FrozenSet.Create(StringComparer.Ordinal,
        "summary", "summaryEn", "reason", "text", "note", "notes", "terms", "message", "detail", "description");

    /// <summary>Most errors named for one body: enough to fix it, never a large answer to a large bad body.</summary>
    public const int MaxErrors = 20;

    /// <summary>Whether the field the path ends in (<c>owners[0].name</c> → name) is multi-line.</summary>
    public static bool IsMultiLine(string path)
    {
        var name = path.AsSpan(path.LastIndexOf('.') + 1);
        var bracket = name.IndexOf('[');
        return MultiLineFields.GetAlternateLookup<ReadOnlySpan<char>>().Contains(bracket < 0 ? name : name[..bracket]);
    }

    /// <summary>Why <paramref name="value"/> may not be stored, or null when it may (null values included).</summary>
    public static string? Problem(string? value, bool multiLine)
    {
        if (value is null) return null;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                var scalar = char.ConvertToUtf32(c, value[++i]);
                if ((scalar & 0xFFFE) == 0xFFFE) return Refused("非字符", "the noncharacter", scalar);
                continue;
            }
            if (char.IsSurrogate(c)) return Refused("孤立的代理项", "the lone surrogate", c);
            if (multiLine && (c is '\t' or '\n' || (c == '\r' && i + 1 < value.Length && value[i + 1] == '\n'))) continue;
            if (char.IsControl(c)) return Refused("控制字符", "the control character", c);
            if (c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069')) return Refused("双向文本控制符", "the bidirectional control", c);
            if (c is (>= '\uFDD0' and <= '\uFDEF') or '\uFFFE' or '\uFFFF') return Refused("非字符", "the noncharacter", c);
        }
        return null;
    }

    /// <summary>Each of the fields (JSON path, value) that holds a refused character, with why; multi-line by field name.</summary>
    public static IEnumerable<(string Path, string Message)> Check(params IEnumerable<(string Path, string? Value)> fields)
    {
        foreach (var (path, value) in fields)
        {
            if (Problem(value, IsMultiLine(path)) is { } message) yield return (path, message);
        }
    }

    /// <summary>The items of a list field as (path, value): <c>keywords[0]</c>, <c>keywords[1]</c>…</summary>
    public static IEnumerable<(string Path, string? Value)> Items(string field, IEnumerable<string?>? values) =>
        values?.Select((value, i) => ($"{field}[{i.ToString(CultureInfo.InvariantCulture)}]", value)) ?? [];

    /// <summary>
    /// Checks every string and number of a JSON body, named by path (<c>owners[0].name</c>): strings by
    /// <see cref="Problem"/>, numbers against decimal's range (the widest numeric type a body binds to; past it a
    /// number cannot be read), and escapes that make no string at all (a lone surrogate such as \ud800). A body that is
    /// not JSON stops the walk: binding it answers for it.
    /// </summary>
    /// <param name="utf8Json">The body, already known to be valid UTF-8.</param>
    /// <param name="strings">false: only what makes the body unreadable (a sync batch, whose items' texts are each refused on their own).</param>
    public static IReadOnlyDictionary<string, string[]> CheckJson(ReadOnlySpan<byte> utf8Json, bool strings = true)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 64 });
        var path = new JsonPath();
        try
        {
            while (errors.Count < MaxErrors && reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        path.Property(ReadString(ref reader) ?? "?");
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        path.Enter(reader.TokenType is JsonTokenType.StartArray);
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.Leave();
                        break;
                    case JsonTokenType.String:
                        var at = path.Value();
                        if (ReadString(ref reader) is not { } text) errors[at] = [Refused("孤立的代理项", "a lone surrogate", null)];
                        else if (strings && Problem(text, IsMultiLine(at)) is { } problem) errors[at] = [problem];
                        break;
                    case JsonTokenType.Number:
                        var number = path.Value();
                        if (!reader.TryGetDecimal(out _)) errors[number] = ["数值超出范围 (the number is out of range)"];
                        break;
                    default:
                        path.Value();
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (or nested too deep): binding the body refuses it with a 400 that says where.
        }
        return errors;
    }

    /// <summary>The string, or null when its escapes make invalid UTF-16 (a lone surrogate such as \ud800).</summary>
    private static string? ReadString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string Refused(string chinese, string english, int? scalar)
    {
        var code = scalar is { } s ? $" U+{s.ToString("X4", CultureInfo.InvariantCulture)}" : "";
        return $"不能含有{chinese}{code} (must not contain {english}{code})";
    }

    /// <summary>Where a JSON reader is, as the path of the value it reads next.</summary>
    private sealed class JsonPath
    {
        private readonly Stack<(string Path, bool Array, int Next)> containers = new();
        private string? property;

        public void Property(string name) => property = name;

        /// <summary>The path of the value being read (an array's next index is taken).</summary>
        public string Value()
        {
            if (!containers.TryPop(out var top)) return "";
            if (top.Array)
            {
                containers.Push(top with { Next = top.Next + 1 });
                return $"{top.Path}[{top.Next.ToString(CultureInfo.InvariantCulture)}]";
            }
            containers.Push(top);
            return top.Path.Length == 0 ? property ?? "" : $"{top.Path}.{property}";
        }

        public void Enter(bool array) => containers.Push((containers.Count == 0 ? "" : Value(), array, 0));

        public void Leave() => containers.TryPop(out _);
    }
}
