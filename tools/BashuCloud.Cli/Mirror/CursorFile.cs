using System.Text.Json;

namespace BashuCloud.Cli.Mirror;

/// <summary>Where the mirror stands in a source's change feed; written only after a whole page is applied.</summary>
public sealed record MirrorPosition(string Source, string? Cursor, DateTimeOffset UpdatedAt);

public static class CursorFile
{
    /// <summary>The saved cursor for this source, or null to start at the beginning of its feed.</summary>
    public static string? Read(string path, Uri source)
    {
        if (!File.Exists(path)) return null;
        var position = JsonSerializer.Deserialize<MirrorPosition>(File.ReadAllText(path), BashuJson.Options)
            ?? throw new UsageException($"游标文件无法读取 (unreadable state file): {path}");
        // A cursor only means something in the feed that issued it.
        return position.Source == source.ToString() ? position.Cursor
            : throw new UsageException($"游标文件 {path} 属于另一个源节点 {position.Source} (the state file belongs to another source; use another --state)");
    }

    /// <summary>
    /// Temp file, fsync, rename: a kill at any moment leaves the old cursor or the new one, never half of one. The
    /// directory is not synced: losing the rename in a power cut only brings back the older cursor, and replaying
    /// entries changes nothing.
    /// </summary>
    public static void Write(string path, Uri source, string cursor)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, new MirrorPosition(source.ToString(), cursor, DateTimeOffset.UtcNow), BashuJson.Options);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
