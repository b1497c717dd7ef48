using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace BashuCloud.Tests.Deploy;

/// <summary>Reading the files under deploy/: YAML documents, environment files (KEY=value), systemd units.</summary>
public static partial class DeployFiles
{
    public static string PathOf(params string[] parts) => Path.Combine([Repository.Root, "deploy", .. parts]);

    /// <summary>Every document of a YAML file, with merge keys (&lt;&lt;: *anchor) resolved as Compose does.</summary>
    public static List<YamlMappingNode> Yaml(string path)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(path));
        stream.Load(reader);
        var documents = stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
        foreach (var document in documents) Merge(document);
        return documents;
    }

    /// <summary>A mapping's own keys win over those it merges in (aliases are already the anchored nodes).</summary>
    private static void Merge(YamlNode node)
    {
        if (node is YamlSequenceNode sequence)
        {
            foreach (var item in sequence) Merge(item);
        }
        if (node is not YamlMappingNode map) return;
        if (map.Children.Keys.FirstOrDefault(k => Name(k) == "<<") is { } mergeKey && map.Children[mergeKey] is YamlMappingNode source)
        {
            map.Children.Remove(mergeKey);
            foreach (var (key, value) in source.Children)
            {
                if (!map.Children.Keys.Any(k => Name(k) == Name(key))) map.Children.Add(key, value);
            }
        }
        foreach (var value in map.Children.Values) Merge(value);
    }

    /// <summary>The node at a path of mapping keys, or null.</summary>
    public static YamlNode? At(this YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            node = (node as YamlMappingNode)?.Children.FirstOrDefault(c => Name(c.Key) == key).Value;
            if (node is null) return null;
        }
        return node;
    }

    public static string? Text(this YamlNode? node, params string[] path) => (node.At(path) as YamlScalarNode)?.Value;

    public static IEnumerable<YamlNode> Items(this YamlNode? node, params string[] path) =>
        node.At(path) is YamlSequenceNode sequence ? sequence.Children : [];

    public static IEnumerable<(string Key, YamlNode Value)> Entries(this YamlNode? node, params string[] path) =>
        node.At(path) is YamlMappingNode map ? map.Children.Select(c => (Name(c.Key)!, c.Value)) : [];

    private static string? Name(YamlNode key) => (key as YamlScalarNode)?.Value;

    public static Dictionary<string, string> Labels(this YamlNode? node, params string[] path) =>
        node.Entries(path).ToDictionary(e => e.Key, e => ((YamlScalarNode)e.Value).Value ?? "");

    /// <summary>The variable names an environment file sets, commented-out examples ("#Bashu__Tls__…=") included.</summary>
    public static List<string> EnvironmentNames(string path) =>
        [.. File.ReadLines(path).Select(l => EnvironmentLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value)];

    /// <summary>A systemd unit's sections with their key=value lines, in order.</summary>
    public static Dictionary<string, List<(string Key, string Value)>> Unit(string path)
    {
        var sections = new Dictionary<string, List<(string, string)>>();
        List<(string, string)>? current = null;
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                sections[line[1..^1]] = current = [];
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(current is not null && equals > 0, $"{Path.GetFileName(path)}: '{line}' is not a key=value line inside a section");
            current.Add((line[..equals], line[(equals + 1)..]));
        }
        return sections;
    }

    [GeneratedRegex(@"^#?\s?([A-Za-z_][A-Za-z0-9_]*)=")]
    private static partial Regex EnvironmentLine();
}
