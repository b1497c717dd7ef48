namespace BashuCloud.Tests.Unit;

/// <summary>
/// The words people read come from PRODUCT.md: a listing is 项目 (or by kind 成果, 需求, 专利…), never 房源, a
/// real-estate word. Checked over every text a user, partner or operator reads: messages and help in the code, the
/// portal's files, the docs, the README and the bashu script.
/// </summary>
public sealed class DomainWordsTests
{
    private static readonly string[] Forbidden = ["房" + "源"];

    private static readonly string[] Folders = ["api", "grains", "silo", "seeds", "tools", "deploy", "docs"];

    private static readonly string[] Extensions = [".cs", ".md", ".html", ".js", ".json", ".http", ".yaml", ".sql", ".txt"];

    [Fact]
    public void No_text_people_read_calls_a_listing_by_a_real_estate_word()
    {
        var files = Folders.SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Repository.Root, folder), "*", SearchOption.AllDirectories))
            .Where(path => Extensions.Contains(Path.GetExtension(path)) && !IsGenerated(path))
            .Append(Path.Combine(Repository.Root, "README.md"))
            .Append(Path.Combine(Repository.Root, "bashu"));
        var found = files
            .SelectMany(path => File.ReadLines(path).Select((line, i) => (path, line, number: i + 1)))
            .Where(l => Forbidden.Any(word => l.line.Contains(word, StringComparison.Ordinal)))
            .Select(l => $"{Path.GetRelativePath(Repository.Root, l.path)}:{l.number}: {l.line.Trim()}")
            .ToList();
        Assert.True(found.Count == 0, string.Join('\n', found));
    }

    private static bool IsGenerated(string path) =>
        path.Split(Path.DirectorySeparatorChar) is var parts && parts.Any(p => p is "bin" or "obj" or "node_modules");
}
