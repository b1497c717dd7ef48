using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace BashuCloud.Tests.Api;

/// <summary>
/// One request the API must refuse: what it targets, which fault makes it invalid, and the bytes sent.
/// <paramref name="KestrelMayRefuse"/>: a header Kestrel itself refuses, with its bare 400, before the application sees it
/// (docs/security.md, known gaps). <paramref name="MayAnswer"/>: a read whose query may be legitimate text (a 4-byte
/// character, combining marks) and so may be answered; it must still be no 5xx and change nothing.
/// </summary>
public sealed record MalformedRequest(
    string Operation, string Fault, HttpMethod Method, string Path, string? Key, string? IfMatch, byte[]? Body,
    string? ContentType = "application/json", string? IdempotencyKey = null, bool KestrelMayRefuse = false, bool MayAnswer = false)
{
    public HttpRequestMessage ToHttp()
    {
        var request = new HttpRequestMessage(Method, Path);
        if (Key is not null) request.Headers.TryAddWithoutValidation("X-Api-Key", Key);
        if (IfMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", IfMatch);
        if (IdempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", IdempotencyKey);
        if (Body is not null)
        {
            request.Content = new ByteArrayContent(Body);
            if (ContentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }
        return request;
    }

    public override string ToString()
    {
        var body = Body is null ? "" : Encoding.UTF8.GetString(Body);
        return $"[{Fault}] {Method} {Truncate(Path)} key={Truncate(Key ?? "(none)")} if-match={IfMatch ?? "(none)"} body={Truncate(body)}";
    }

    private static string Truncate(string text) => text.Length <= 160 ? text : $"{text[..160]}…({text.Length} chars)";
}

/// <summary>
/// An operation of /api/v1 with the real objects it acts on and the caller who may act: a valid request differs from
/// each generated one only by the fault, so the fault alone is what the API must refuse it for.
/// </summary>
/// <param name="Operation">"METHOD /path" as the OpenAPI document names it.</param>
/// <param name="Path">The path with real ids (a draft, a deal, a subscription) that a valid request would change.</param>
/// <param name="Key">A key allowed to do it.</param>
/// <param name="Body">A valid body (null: the operation reads none).</param>
/// <param name="UnknownIdPath">The path with every id replaced by the given one (null: the path has no ids, or a new id creates).</param>
/// <param name="Queries">Query parameters with valid values (null: sent only when spoiled); each may be spoiled.</param>
/// <param name="Anonymous">Whether a caller without a key may call it (then a missing key is no fault).</param>
/// <param name="BadValues">Field → values that break a rule of this body (422, 413 or 404), each certainly invalid.</param>
/// <param name="ETag">The object's current ETag where If-Match is checked (listings' edit and lifecycle steps); sent with body faults.</param>
/// <param name="IfMatchRequired">Whether a missing If-Match is refused (428).</param>
public sealed record OperationTarget(
    string Operation, string Path, string Key, JsonObject? Body = null, Func<string, string>? UnknownIdPath = null,
    IReadOnlyDictionary<string, string?>? Queries = null, bool Anonymous = false,
    IReadOnlyDictionary<string, JsonNode?[]>? BadValues = null, string? ETag = null, bool IfMatchRequired = false)
{
    public HttpMethod Method => new(Operation[..Operation.IndexOf(' ', StringComparison.Ordinal)]);
}

/// <summary>CsCheck generators of requests the API must refuse, for a catalogue of operations.</summary>
public static class MalformedRequests
{
    private const string Placeholder = "@@HAZARD@@";

    /// <summary>
    /// Unicode hazards as JSON string content, each refused in any text field (issue #18): C0 controls escaped and raw
    /// (raw ones, NUL as a raw byte among them, are not JSON at all), DEL and C1 controls, the bidirectional overrides
    /// and isolates, noncharacters, lone surrogates as escapes. Tab and newline are added for one-line fields only.
    /// </summary>
    public static readonly Gen<string> TextHazard = Gen.OneOf<string>(
        Gen.Int[0, 0x1F].Where(c => c is not ('\t' or '\n')).Select(c => $"\\u{c:x4}"),
        Gen.Int[0, 0x1F].Select(c => ((char)c).ToString()),
        Gen.Int[0x7F, 0x9F].Select(c => ((char)c).ToString()),
        Gen.OneOf<string>("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"),
        Gen.OneOf<string>("\ufdd0", "\ufdef", "\ufffe", "\uffff", "\U0001FFFF", "\U0010FFFE", "\\ufffe"),
        Gen.Int[0xD800, 0xDFFF].Select(c => $"\\u{c:x4}"),
        Gen.OneOf<string>("\\u0000", "\\u0000\\u0000", "\\u0000" + new string('字', 50), "a\\uD800\\uD800b", "\\uDC00\\uD800"));

    private static readonly Gen<string> OneLineHazard = Gen.OneOf<string>(TextHazard, Gen.OneOf<string>("\\t", "\\n", "\\r\\n", "\\r"));

    /// <summary>Numbers at and past decimal's range: past it a body cannot be read (422 naming the field); at it every field's own bound refuses it.</summary>
    private static readonly Gen<string> HugeNumber = Gen.OneOf<string>(
        "79228162514264337593543950336", "-79228162514264337593543950336", "1e30", "-1e29", "1e400", "123456789012345678901234567890.5");

    private static readonly Gen<string> DecimalBound = Gen.OneOf<string>("79228162514264337593543950335", "-79228162514264337593543950335");

    /// <summary>
    /// ASCII controls a header value may carry: HttpClient itself refuses CR, LF and NUL, and a tab is whitespace that
    /// HTTP trims from a value's ends (RFC 9110 §5.5), so neither is a fault.
    /// </summary>
    private static readonly Gen<string> HeaderHazard = Gen.OneOf<string>(
        Gen.Int[1, 0x1F].Where(c => c is not ('\t' or '\r' or '\n')).Select(c => ((char)c).ToString()), Gen.Const("\u007f"));

    /// <summary>
    /// Query values with the same hazards percent-encoded, invalid UTF-8, and legitimate text (a 4-byte character, a
    /// combining run), which a read may answer.
    /// </summary>
    private static readonly Gen<string> QueryHazard = Gen.OneOf<string>(
        "a%00b", "%01", "x%1Fy", "%7F", "%C2%85", "%E2%80%AE", "%E2%81%A6x", "%EF%BF%BF", "%EF%B7%90", "%ED%A0%80", "%ED%BF%BF",
        "%F0%A0%80%80", "e%CC%81%CC%82%CC%83%CC%84%CC%85", "%F0%9F%98%80%E2%80%8D", "%C0%80", "%FF");

    private const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string Junk = "!*~$'\"();:@&=+,<>[]{}|\\^` %#中文😀\u0001\u007f";

    /// <summary>Values no enum or region of the API has: each holds a character no enum name has.</summary>
    public static readonly Gen<string> UnknownEnumValue = Gen.OneOf<string>(
        Gen.OneOf<string>("Achievement2", "sichuan-x", "Transfer!", "未知", "drafts ", " Published", "1.5", "NaN", "None_", "DROP TABLE", "'; --"),
        Text(Letters, 1, 12).Select(s => s + "_" + s.Length));

    /// <summary>Strings of <paramref name="alphabet"/> between the lengths given.</summary>
    public static Gen<string> Text(string alphabet, int min, int max) =>
        Gen.Int[0, alphabet.Length - 1].Array[min, max].Select(indexes => new string([.. indexes.Select(i => alphabet[i])]));

    /// <summary>
    /// Path ids that name nothing: well-formed unknown ids, ids of a wrong shape, very long ones, junk. Not %00: Kestrel
    /// refuses a NUL in the path with a bare 400 before the application sees the request (docs/security.md).
    /// </summary>
    public static readonly Gen<string> UnknownId = Gen.OneOf<string>(
        Text("0123456789ABCDEFGHJKMNPQRSTVWXYZ", 26, 26).Select(ulid => "sichuan-" + ulid),
        Text("0123456789ABCDEFGHJKMNPQRSTVWXYZ", 26, 26).Select(ulid => "chongqing-" + ulid),
        Text(Letters + "0123456789-_.", 1, 40).Select(s => "zz-" + s),
        Text(Junk + Letters, 1, 30),
        Gen.Int[1000, 9000].Select(n => new string('9', n)),
        Gen.OneOf<string>("..", "%2e%2e", "-1", "0", "99999999999999999999", "null", "undefined", "' OR '1'='1", "%FF%FE", "%C3%28"));

    /// <summary>Keys nobody was given: random, empty-ish, very long, shaped like ours.</summary>
    public static readonly Gen<string> WrongKey = Gen.OneOf<string>(
        Text(Letters + "0123456789_", 1, 64),
        Text(Letters + "0123456789_", 1, 64).Select(s => "bk_" + s),
        Text(Letters + "0123456789_", 1, 64).Select(s => "bkp_" + s),
        Gen.Int[1000, 6000].Select(n => new string('k', n)),
        Gen.OneOf<string>(" ", "null", "' OR 1=1 --", "bk_admin_tests_MTdLDNLhCExkG6FAunQbydLU", "Bearer x"));

    private static readonly Gen<string> BadLimit = Gen.OneOf<string>(
        Gen.OneOf<string>("0", "-1", "abc", "1.5", "1e3", "99999999999999999999", "0x10", "twenty", "%00"),
        Gen.Int[int.MinValue, 0].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Int[1001, int.MaxValue].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static readonly Gen<string> BadCursor = Gen.OneOf<string>(
        Text(Junk, 1, 20), Text(Letters, 1, 20).Select(s => s + "!"), Gen.Int[2000, 8000].Select(n => new string('A', n) + "*"));

    /// <summary>Bad values for each query parameter the API reads; every one of them is refused.</summary>
    private static Gen<string> BadQueryValue(string name) => name switch
    {
        "limit" => BadLimit,
        "cursor" => BadCursor,
        "wait" => Gen.OneOf<string>("-1", "31", "abc", "1e2", "99999999999"),
        "year" => Gen.OneOf<string>("abc", "20x0", "1e3", "2020.5", "99999999999", "二〇二〇"),
        "q" => Gen.OneOf<string>(Gen.Int[101, 3000].Select(n => new string('锂', n)), Gen.OneOf<string>("%01", "a%00b", "%20%20", "%7F", "a%0Ab")),
        "trlMin" => Gen.OneOf<string>("abc", "seven", "1.5", "-"),
        _ => UnknownEnumValue,
    };

    /// <summary>A JSON value of a type the field cannot have.</summary>
    private static JsonNode WrongType(JsonNode? valid) => valid switch
    {
        JsonArray => new JsonObject { ["x"] = 1 },
        JsonObject => new JsonArray(1, 2),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => new JsonArray("a"),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => JsonValue.Create("十二万"),
        _ => new JsonObject(),
    };

    /// <summary>Broken bodies: not JSON at all, truncated, nested past any limit, invalid UTF-8, the wrong top-level type.</summary>
    private static Gen<byte[]> BrokenBody(string valid)
    {
        var bytes = Encoding.UTF8.GetBytes(valid);
        return Gen.OneOf<byte[]>(
            Gen.Int[1, Math.Max(1, bytes.Length - 1)].Select(n => bytes[..n]),
            Gen.Byte.Array[1, 200],
            Gen.Int[65, 3000].Select(depth => Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth))),
            Gen.Int[65, 3000].Select(depth => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth))),
            Gen.OneOf<byte[]>(
                [.. Encoding.UTF8.GetBytes("{\"title\":\""), 0xFF, 0xFE, 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}")],
                [0xEF, 0xBB, 0xBF, 0xC0, 0xAF],
                Encoding.UTF8.GetBytes(valid + "}"), Encoding.UTF8.GetBytes(valid + " x"), Encoding.UTF8.GetBytes("{,}"),
                Encoding.UTF8.GetBytes(valid.Replace("\"", "'")), Encoding.UTF8.GetBytes("[]"), Encoding.UTF8.GetBytes("42"),
                Encoding.UTF8.GetBytes("\"text\""), Encoding.UTF8.GetBytes("true"), Encoding.UTF8.GetBytes("{\"a\":1,/*c*/}"),
                Encoding.UTF8.GetBytes("{\"a\":1,}"), Encoding.UTF8.GetBytes("<xml/>"), Encoding.UTF8.GetBytes("{\"a\":NaN}")));
    }

    /// <summary>Every malformed request for one operation.</summary>
    public static Gen<MalformedRequest> For(OperationTarget target)
    {
        var method = target.Method;
        var faults = new List<(int, IGen<MalformedRequest>)>
        {
            (2, WrongKey.Select(key => new MalformedRequest(target.Operation, "wrong-key", method, target.Path, key, null, Serialize(target.Body)))),
        };
        if (!target.Anonymous)
        {
            faults.Add((1, Gen.Const(new MalformedRequest(target.Operation, "missing-key", method, target.Path, null, null, Serialize(target.Body)))));
        }
        if (target.UnknownIdPath is { } unknown)
        {
            faults.Add((3, UnknownId.Select(id => new MalformedRequest(target.Operation, "unknown-id", method, unknown(id.StartsWith('%') ? id : Uri.EscapeDataString(id)), target.Key, null, Serialize(target.Body)))));
        }
        if (target.Queries is { Count: > 0 } queries)
        {
            var names = queries.Keys.ToArray();
            faults.Add((4, Gen.Int[0, names.Length - 1].SelectMany(i => BadQueryValue(names[i]).Select(value =>
            {
                var query = string.Join("&", queries.Where(q => q.Key == names[i] || q.Value is not null)
                    .Select(q => $"{q.Key}={(q.Key == names[i] ? Escape(value) : Uri.EscapeDataString(q.Value!))}"));
                return new MalformedRequest(target.Operation, $"bad-query:{names[i]}", method, $"{target.Path}?{query}", target.Key, null, null);
            }))));
            if (queries.ContainsKey("q"))
            {
                var others = string.Join("&", queries.Where(q => q.Key != "q" && q.Value is not null).Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value!)}"));
                faults.Add((1, Gen.Const(new MalformedRequest(target.Operation, "missing-query:q", method, $"{target.Path}?{others}", target.Key, null, null))));
            }
        }
        if (target.ETag is not null)
        {
            var ifMatch = Gen.OneOf<string>(
                Gen.OneOf<string>("abc", "W/\"1\"", "\"-1\"", "\"\"", "1", "\"1", "\"99999999999\"", "\"1\", \"2\"", "\" 1\"", "'1'"),
                Gen.Int[1000, int.MaxValue - 1].Select(v => $"\"{v}\""));
            faults.Add((3, ifMatch.Select(value => new MalformedRequest(target.Operation, "bad-if-match", method, target.Path, target.Key, value, Serialize(target.Body)))));
            if (target.IfMatchRequired)
            {
                faults.Add((1, Gen.Const(new MalformedRequest(target.Operation, "missing-if-match", method, target.Path, target.Key, null, Serialize(target.Body)))));
            }
        }
        faults.Add((2, HeaderFaults(target)));
        if (target.Queries is { Count: > 0 } hazardQueries)
        {
            var names = hazardQueries.Keys.ToArray();
            faults.Add((2, Gen.Int[0, names.Length - 1].SelectMany(i => QueryHazard.Select(value =>
            {
                var query = string.Join("&", hazardQueries.Where(q => q.Key == names[i] || q.Value is not null)
                    .Select(q => $"{q.Key}={(q.Key == names[i] ? value : Uri.EscapeDataString(q.Value!))}"));
                return new MalformedRequest(target.Operation, $"hazard-query:{names[i]}", method, $"{target.Path}?{query}", target.Key, null, null, MayAnswer: true);
            }))));
        }
        if (target.Body is { } body)
        {
            var valid = body.ToJsonString(BashuJson.Options);
            if (HazardFaults(target, body) is { } hazards) faults.Add((5, hazards));
            faults.Add((4, BrokenBody(valid).Select(bytes => new MalformedRequest(target.Operation, "broken-json", method, target.Path, target.Key, IfMatchOf(target), bytes))));
            faults.Add((1, Gen.OneOf<string>("text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x").Select(type =>
                new MalformedRequest(target.Operation, "wrong-content-type", method, target.Path, target.Key, IfMatchOf(target), Encoding.UTF8.GetBytes(valid), type))));
            var fields = body.Select(p => p.Key).ToArray();
            faults.Add((3, Gen.Int[0, fields.Length - 1].Select(i => Mutated(target, "wrong-type:" + fields[i], b => b[fields[i]] = WrongType(b[fields[i]])))));
            if (target.BadValues is { Count: > 0 } bad)
            {
                var cases = bad.SelectMany(f => f.Value.Select(v => (Field: f.Key, Value: v))).ToArray();
                faults.Add((5, Gen.Int[0, cases.Length - 1].Select(i => Mutated(target, "bad-value:" + cases[i].Field, b =>
                {
                    if (cases[i].Value is null) b.Remove(cases[i].Field);
                    else b[cases[i].Field] = cases[i].Value!.DeepClone();
                }))));
            }
        }
        return Gen.Frequency<MalformedRequest>([.. faults]);
    }

    private static string? IfMatchOf(OperationTarget target) => target.ETag;

    /// <summary>
    /// A hazard in one string of the body (any depth: <c>owners[1].name</c>, <c>keywords[2]</c>), or a number at or past
    /// decimal's range in one of its numbers. A sync batch's items are answered item by item inside a 200, so there only
    /// numbers past the range are sent (they make the whole batch unreadable: 422); PoisonInputApiTests covers its items' texts.
    /// </summary>
    private static Gen<MalformedRequest>? HazardFaults(OperationTarget target, JsonObject body)
    {
        var itemised = target.Operation == "POST /api/v1/sync/batch";
        var leaves = Leaves(body, "").ToArray();
        var strings = leaves.Where(l => l.Kind == JsonValueKind.String && !(itemised && l.Path.StartsWith("items", StringComparison.Ordinal))).Select(l => l.Path).ToArray();
        var numbers = leaves.Where(l => l.Kind == JsonValueKind.Number).Select(l => l.Path).ToArray();
        var cases = new List<Gen<MalformedRequest>>();
        if (strings.Length > 0)
        {
            cases.Add(Gen.Int[0, strings.Length - 1].SelectMany(i => Gen.Int[0, 2].SelectMany(at =>
                (BashuCloud.Text.TextRules.IsMultiLine(strings[i]) ? TextHazard : OneLineHazard).Select(hazard => WithHazard(target, body, "hazard:" + strings[i], strings[i], at, hazard)))));
        }
        if (numbers.Length > 0)
        {
            var values = itemised ? HugeNumber : Gen.OneOf<string>(HugeNumber, DecimalBound);
            cases.Add(Gen.Int[0, numbers.Length - 1].SelectMany(i => values.Select(number => WithHazard(target, body, "huge-number:" + numbers[i], numbers[i], -1, number))));
        }
        return cases.Count == 0 ? null : Gen.OneOf<MalformedRequest>([.. cases]);
    }

    /// <summary>The body with the hazard's JSON text put into the string at <paramref name="path"/> (start, middle or end), or in place of the number.</summary>
    private static MalformedRequest WithHazard(OperationTarget target, JsonObject body, string fault, string path, int at, string hazard)
    {
        var copy = (JsonObject)body.DeepClone();
        var current = At(copy, path)!.ToString();
        Place(copy, path, at switch { 0 => Placeholder + current, 1 => current[..(current.Length / 2)] + Placeholder + current[(current.Length / 2)..], 2 => current + Placeholder, _ => Placeholder });
        var json = copy.ToJsonString(BashuJson.Options);
        json = at < 0 ? json.Replace($"\"{Placeholder}\"", hazard, StringComparison.Ordinal) : json.Replace(Placeholder, hazard, StringComparison.Ordinal);
        return new MalformedRequest(target.Operation, fault, target.Method, target.Path, target.Key, IfMatchOf(target), Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Every header the API reads, spoiled with a control character (Kestrel may refuse it before the application does).</summary>
    private static Gen<MalformedRequest> HeaderFaults(OperationTarget target)
    {
        var headers = new List<string> { "X-Api-Key" };
        if (target.ETag is not null) headers.Add("If-Match");
        if (target.Body is not null) headers.Add("Content-Type");
        if (target.Operation == "POST /api/v1/sync/batch") headers.Add("Idempotency-Key");
        var body = Serialize(target.Body);
        return Gen.Int[0, headers.Count - 1].SelectMany(i => Gen.Int[0, 2].SelectMany(at => HeaderHazard.Select(hazard =>
        {
            string Spoil(string value) => at switch { 0 => hazard + value, 1 => value[..(value.Length / 2)] + hazard + value[(value.Length / 2)..], _ => value + hazard };
            var name = headers[i];
            return new MalformedRequest(target.Operation, "header-hazard:" + name, target.Method, target.Path,
                name == "X-Api-Key" ? Spoil(target.Key) : target.Key,
                name == "If-Match" ? Spoil(target.ETag!) : IfMatchOf(target), body,
                // Inside the media type: routing's content-type check reads "application/json" followed by a control as JSON.
                name == "Content-Type" ? "applica" + hazard + "tion/json" : "application/json",
                name == "Idempotency-Key" ? Spoil("bad-input-key") : null, KestrelMayRefuse: true);
        })));
    }

    /// <summary>The paths and kinds of every string and number in a JSON value.</summary>
    private static IEnumerable<(string Path, JsonValueKind Kind)> Leaves(JsonNode? node, string path) => node switch
    {
        JsonObject o => o.SelectMany(p => Leaves(p.Value, path.Length == 0 ? p.Key : $"{path}.{p.Key}")),
        JsonArray a => a.SelectMany((item, i) => Leaves(item, $"{path}[{i}]")),
        JsonValue v => [(path, v.GetValueKind())],
        _ => [],
    };

    private static JsonNode? At(JsonNode root, string path) => Walk(root, path, null);

    /// <summary>Sets the value at a path such as <c>owners[1].name</c> or <c>items[0].listing.title</c>.</summary>
    public static void Place(JsonNode root, string path, string value) => Walk(root, path, value);

    /// <summary>Follows a path; with a value, sets it at the end.</summary>
    private static JsonNode? Walk(JsonNode root, string path, string? value)
    {
        var node = root;
        var segments = path.Split('.');
        for (var s = 0; s < segments.Length; s++)
        {
            var segment = segments[s];
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var indexes = bracket < 0 ? [] : segment[(bracket + 1)..^1].Split("][").Select(x => int.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var name = bracket < 0 ? segment : segment[..bracket];
            if (indexes.Length == 0 && s == segments.Length - 1 && value is not null)
            {
                node![name] = value;
                return null;
            }
            node = node![name];
            for (var k = 0; k < indexes.Length; k++)
            {
                if (k == indexes.Length - 1 && s == segments.Length - 1 && value is not null)
                {
                    node![indexes[k]] = value;
                    return null;
                }
                node = node![indexes[k]];
            }
        }
        return node;
    }

    private static MalformedRequest Mutated(OperationTarget target, string fault, Action<JsonObject> mutate)
    {
        var body = (JsonObject)target.Body!.DeepClone();
        mutate(body);
        return new MalformedRequest(target.Operation, fault, target.Method, target.Path, target.Key, IfMatchOf(target), Serialize(body));
    }

    /// <summary>Escapes a query value, keeping percent-escapes the generator wrote on purpose (invalid UTF-8, NUL).</summary>
    private static string Escape(string value) => value.Contains('%', StringComparison.Ordinal) ? value : Uri.EscapeDataString(value);

    private static byte[]? Serialize(JsonObject? body) => body is null ? null : Encoding.UTF8.GetBytes(body.ToJsonString(BashuJson.Options));
}
