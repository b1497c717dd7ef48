using System.Security.Cryptography;
using System.Text;
using BashuCloud.Regions;
using BashuCloud.Users;
using Npgsql;

namespace BashuCloud.Api.Auth;

/// <summary>
/// API keys, stored only as SHA-256 hashes: a key is shown once, when issued. Keys are long random strings,
/// so a plain hash (no salt, no stretching) is enough and lets a lookup use the primary key.
/// </summary>
public sealed class ApiKeyStore(NpgsqlDataSource database)
{
    public const string BootstrapPrincipal = "admin";

    public static string NewKey(string prefix) =>
        $"{prefix}_{Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)).Replace('+', 'x').Replace('/', 'y').TrimEnd('=')}";

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public async Task<Actor?> FindAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "SELECT principal_id, role, region FROM api_key WHERE key_hash = $1 AND revoked_at IS NULL");
        command.Parameters.Add(new() { Value = Hash(key) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        Region? region = Regions.Regions.TryParse(reader.IsDBNull(2) ? null : reader.GetString(2), out var r) ? r : null;
        return new Actor(reader.GetString(0), Enum.Parse<UserRole>(reader.GetString(1)), region);
    }

    /// <summary>Records a key for a principal; idempotent for the same key.</summary>
    public async Task SaveAsync(string key, Actor actor, string label, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            INSERT INTO api_key (key_hash, principal_id, role, region, label) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (key_hash) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = Hash(key) });
        command.Parameters.Add(new() { Value = actor.PrincipalId });
        command.Parameters.Add(new() { Value = actor.Role.ToString() });
        command.Parameters.Add(new() { Value = (object?)actor.Region?.Code() ?? DBNull.Value });
        command.Parameters.Add(new() { Value = label });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
