namespace BashuCloud.Cli;

/// <summary>A command line the CLI cannot run with: exit code 2, with the command's usage.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// A command's arguments: the options it knows (each with a value, as "--name value" or "--name=value", perhaps
/// repeated) and the positional ones. Anything else that starts with "--" is refused, naming it.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);

    private CommandLine(IReadOnlyList<string> positional) => Positional = positional;

    public IReadOnlyList<string> Positional { get; }

    /// <summary>The positional argument at <paramref name="index"/>, if given.</summary>
    public string? Argument(int index) => index < Positional.Count ? Positional[index] : null;

    public static CommandLine Parse(IReadOnlyList<string> args, params string[] options)
    {
        var positional = new List<string>();
        var values = new List<(string Name, string Value)>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-') || arg == "-")
            {
                positional.Add(arg);
                continue;
            }
            var (name, inline) = (arg, (string?)null);
            if (arg.IndexOf('=', StringComparison.Ordinal) is var at and > 0) (name, inline) = (arg[..at], arg[(at + 1)..]);
            if (!options.Contains(name)) throw new UsageException($"未知参数 (unknown option): {name}");
            if (inline is null && i + 1 >= args.Count) throw new UsageException($"{name} 缺少取值 (needs a value)");
            values.Add((name, inline ?? args[++i]));
        }
        var line = new CommandLine(positional);
        foreach (var (name, value) in values)
        {
            if (!line._options.TryGetValue(name, out var list)) line._options[name] = list = [];
            list.Add(value);
        }
        return line;
    }

    /// <summary>The option's value; given twice, the command line is refused (which one was meant?).</summary>
    public string? Get(string name) => _options.GetValueOrDefault(name) switch
    {
        null => null,
        [var only] => only,
        _ => throw new UsageException($"{name} 只能给一次 (may be given once)"),
    };

    /// <summary>Every value of a repeatable option, each split at commas: "--scopes a,b --scopes c".</summary>
    public IReadOnlyList<string> List(string name) =>
        [.. (_options.GetValueOrDefault(name) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    /// <summary>The value of an option that must be one of <paramref name="allowed"/>.</summary>
    public string? OneOf(string name, params string[] allowed) =>
        Get(name) is not { } value ? null
        : allowed.Contains(value) ? value
        : throw new UsageException($"{name} 应为 {string.Join(" 或 ", allowed)} (must be {string.Join(" or ", allowed)}): {value}");

    /// <summary>An API's base URL (with the trailing slash relative paths need), or the usage error naming <paramref name="name"/>.</summary>
    public static Uri HttpUrl(string value, string name) =>
        Uri.TryCreate(value.TrimEnd('/') + "/", UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new UsageException($"{name} 应为 http(s) 地址 (must be an http(s) URL): {value}");

    /// <summary>Refuses positional arguments beyond <paramref name="count"/>, naming the first one.</summary>
    public CommandLine AtMost(int count) =>
        Positional.Count > count ? throw new UsageException($"多余的参数 (unexpected argument): {Positional[count]}") : this;
}
