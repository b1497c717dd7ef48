using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace BashuCloud.Schema;

/// <summary>A numbered SQL file under deploy/sql: "003_grain_state_and_change_log.sql".</summary>
public sealed record Migration(int Number, string Name, string Sql)
{
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>
/// Applies the numbered migrations in order, each in its own transaction, and records them. Running it again
/// applies only what is new; two runs at once wait for each other (an advisory lock). A migration that was
/// changed after it was applied is refused: schema history is append-only.
/// </summary>
public static partial class Migrator
{
    private const long LockKey = 0x6261_7368_756D_6967;

    public static IReadOnlyList<Migration> All { get; } = Load();

    /// <summary>Applies what is missing and returns the migrations it applied.</summary>
    public static async Task<IReadOnlyList<Migration>> MigrateAsync(string connectionString, TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        // No command timeout: a migration that builds an index over a million listings takes minutes, and cutting
        // it off at the default 30 s would only roll it back (cancel the command with the token instead).
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0 }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await RequireUtf8Async(connection, cancellationToken);
        await ExecuteAsync(connection, "SELECT pg_advisory_lock(" + LockKey + ")", cancellationToken);
        try
        {
            await ExecuteAsync(connection, """
                CREATE TABLE IF NOT EXISTS schema_migration (
                    number     integer PRIMARY KEY,
                    name       text NOT NULL,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);
            var applied = await AppliedAsync(connection, cancellationToken);
            var done = new List<Migration>();
            foreach (var migration in All)
            {
                if (applied.TryGetValue(migration.Number, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new InvalidOperationException($"迁移 {migration.Name} 在应用后被修改 (migration {migration.Name} changed after it was applied); add a new migration instead.");
                    }
                    continue;
                }
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, migration.Sql, cancellationToken);
                await using (var record = new NpgsqlCommand("INSERT INTO schema_migration (number, name, checksum) VALUES ($1, $2, $3)", connection))
                {
                    record.Parameters.Add(new() { Value = migration.Number });
                    record.Parameters.Add(new() { Value = migration.Name });
                    record.Parameters.Add(new() { Value = migration.Checksum });
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                log?.WriteLine($"applied {migration.Name}");
                done.Add(migration);
            }
            return done;
        }
        finally
        {
            await ExecuteAsync(connection, "SELECT pg_advisory_unlock(" + LockKey + ")", CancellationToken.None);
        }
    }

    /// <summary>
    /// Chinese search needs a UTF-8 character classification (pg_trgm yields no trigrams under "C"):
    /// refuse to build the schema on a database created otherwise.
    /// </summary>
    private static async Task RequireUtf8Async(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT pg_encoding_to_char(encoding), datctype FROM pg_database WHERE datname = current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (encoding, ctype) = (reader.GetString(0), reader.GetString(1));
        if (encoding != "UTF8" || !ctype.Contains("UTF-8", StringComparison.OrdinalIgnoreCase) && !ctype.Contains("utf8", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"数据库须为 UTF-8 编码和字符分类 (the database must use UTF8 encoding and a UTF-8 LC_CTYPE such as C.UTF-8); found {encoding}/{ctype}.");
        }
    }

    private static async Task<Dictionary<int, string>> AppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT number, checksum FROM schema_migration", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var applied = new Dictionary<int, string>();
        while (await reader.ReadAsync(cancellationToken)) applied[reader.GetInt32(0)] = reader.GetString(1);
        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<Migration> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("migrations/", StringComparison.Ordinal)))
        {
            var name = resource["migrations/".Length..];
            var match = FileName().Match(name);
            if (!match.Success) throw new InvalidOperationException($"Migration file name {name} is not NNN_name.sql.");
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!, Encoding.UTF8);
            migrations.Add(new Migration(int.Parse(match.Groups[1].Value), name, reader.ReadToEnd()));
        }
        migrations.Sort((a, b) => a.Number.CompareTo(b.Number));
        if (migrations.Select(m => m.Number).Distinct().Count() != migrations.Count) throw new InvalidOperationException("Two migrations share a number.");
        return migrations;
    }

    [GeneratedRegex(@"^(\d{3})_[a-z0-9_]+\.sql$")]
    private static partial Regex FileName();
}
