using System.Security.Cryptography;
using System.Text;
using BashuCloud.Platforms;
using BashuCloud.Regions;
using BashuCloud.Users;
using Npgsql;

namespace BashuCloud.Api.Auth;

/// <summary>Who a key acts for, what it may do, the platform it was issued to (null for a user's own key), and the key's id.</summary>
public sealed record Caller(Actor Actor, IReadOnlyList<string> Scopes, string? PlatformId, string KeyId);

/// <summary>A platform's key as it is listed: never the key itself.</summary>
public sealed record PlatformKey(
    string KeyId, string Label, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>A key just issued: the key itself is shown this once.</summary>
public sealed record IssuedKey(PlatformKey Key, string ApiKey);

/// <summary>Any key as the store holds it (never the key itself): its particulars, whom it acts for, and its platform if any.</summary>
public sealed record StoredKey(PlatformKey Key, Actor Actor, string? PlatformId);

/// <summary>
/// API keys, stored only as SHA-256 hashes: a key is shown once, when issued. Keys are long random strings,
/// so a plain hash (no salt, no stretching) is enough and lets a lookup use the primary key.
/// </summary>
public sealed class ApiKeyStore(NpgsqlDataSource database, TimeProvider time)
{
    public const string BootstrapPrincipal = Principals.Bootstrap;
    private const string PlatformKeyColumns = "key_id, label, scopes, created_at, expires_at, revoked_at";
    private const string StoredKeyColumns = PlatformKeyColumns + ", principal_id, role, region, platform_id";

    public static string NewKey(string prefix) =>
        $"{prefix}_{Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)).Replace('+', 'x').Replace('/', 'y').TrimEnd('=')}";

    /// <summary>A key's public handle: listed, and used to revoke or rotate it.</summary>
    public static string NewKeyId() => "key_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The caller a key acts for, unless the key is unknown, revoked or past its expiry.</summary>
    public async Task<Caller?> FindAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"SELECT {CallerColumns} FROM api_key k WHERE key_hash = $1 AND {KeyWorks}");
        command.Parameters.Add(new() { Value = Hash(key) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadCaller(reader) : null;
    }

    /// <summary>The columns of api_key (as k) that <see cref="ReadCaller"/> reads.</summary>
    internal const string CallerColumns = "k.principal_id, k.role, k.region, k.scopes, k.platform_id, k.key_id";

    /// <summary>A key of api_key (as k) that still works: not revoked, not expired.</summary>
    internal const string KeyWorks = "k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())";

    internal static Caller ReadCaller(NpgsqlDataReader reader)
    {
        var actor = ReadActor(reader, 0);
        return new Caller(actor, ScopesOf(reader, 3, actor.Role), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5));
    }

    /// <summary>
    /// Records a user's or administrator's own key (every scope its role allows) and returns its id; idempotent for
    /// the same key, whose id (and revocation) stay as they were.
    /// </summary>
    public async Task<string> SaveAsync(string key, Actor actor, string label, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            WITH saved AS (
                INSERT INTO api_key (key_hash, principal_id, role, region, label, key_id) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (key_hash) DO NOTHING RETURNING key_id)
            SELECT key_id FROM saved UNION ALL SELECT key_id FROM api_key WHERE key_hash = $1
            """);
        command.Parameters.Add(new() { Value = Hash(key) });
        command.Parameters.Add(new() { Value = actor.PrincipalId });
        command.Parameters.Add(new() { Value = actor.Role.ToString() });
        command.Parameters.Add(new() { Value = (object?)actor.Region?.Code() ?? DBNull.Value });
        command.Parameters.Add(new() { Value = label });
        command.Parameters.Add(new() { Value = NewKeyId() });
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Any key by its id, or null when there is none.</summary>
    public async Task<StoredKey?> FindByIdAsync(string keyId, CancellationToken cancellationToken) =>
        (await StoredAsync("WHERE key_id = $1", keyId, cancellationToken)).SingleOrDefault();

    /// <summary>Every key, or a platform's, oldest first: users', administrators' and the bootstrap key among them.</summary>
    public Task<IReadOnlyList<StoredKey>> ListAllAsync(string? platformId, CancellationToken cancellationToken) =>
        StoredAsync("WHERE $1::text IS NULL OR platform_id = $1", platformId, cancellationToken);

    private async Task<IReadOnlyList<StoredKey>> StoredAsync(string where, string? value, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"SELECT {StoredKeyColumns} FROM api_key {where} ORDER BY created_at, key_id");
        command.Parameters.Add(new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<StoredKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var actor = ReadActor(reader, 6);
            keys.Add(new StoredKey(Read(reader, actor.Role), actor, reader.IsDBNull(9) ? null : reader.GetString(9)));
        }
        return keys;
    }

    /// <summary>Whom a key acts for, from its principal_id, role and region columns starting at <paramref name="first"/>.</summary>
    private static Actor ReadActor(NpgsqlDataReader reader, int first)
    {
        Region? region = Regions.Regions.TryParse(reader.IsDBNull(first + 2) ? null : reader.GetString(first + 2), out var r) ? r : null;
        return new Actor(reader.GetString(first), Enum.Parse<UserRole>(reader.GetString(first + 1)), region);
    }

    private static IReadOnlyList<string> ScopesOf(NpgsqlDataReader reader, int column, UserRole role) =>
        reader.IsDBNull(column) ? Scopes.ImpliedBy(role) : reader.GetFieldValue<string[]>(column);

    /// <summary>Issues a key to a platform. With the admin scope (provincial platforms only) it acts as an administrator of the platform's region.</summary>
    public async Task<IssuedKey> IssueAsync(PlatformView platform, IReadOnlyList<string> scopes, string label, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await InsertAsync(connection, platform, scopes, label, cancellationToken);
    }

    public async Task<IReadOnlyList<PlatformKey>> ListAsync(string platformId, CancellationToken cancellationToken) =>
        [.. (await ListAllAsync(platformId, cancellationToken)).Select(k => k.Key)];

    /// <summary>
    /// Revokes a key at once, in every API process (each looks its callers' keys up here on every request); null when
    /// there is no such key (of that platform, when <paramref name="platformId"/> is given). Revoking twice changes nothing.
    /// </summary>
    public async Task<PlatformKey?> RevokeAsync(string? platformId, string keyId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"""
            UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE ($1::text IS NULL OR platform_id = $1) AND key_id = $2
            RETURNING {PlatformKeyColumns}
            """);
        command.Parameters.Add(new() { Value = (object?)platformId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = keyId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>
    /// Issues a successor of a working key, with its scopes and label, and lets the old key work for
    /// <paramref name="overlap"/> more (never longer than it would have). Null when there is no such working key.
    /// </summary>
    public async Task<(IssuedKey Successor, PlatformKey Replaced)?> RotateAsync(
        PlatformView platform, string keyId, TimeSpan overlap, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        PlatformKey old;
        await using (var expire = new NpgsqlCommand($"""
            UPDATE api_key SET expires_at = least(coalesce(expires_at, 'infinity'), $3)
             WHERE platform_id = $1 AND key_id = $2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
            RETURNING {PlatformKeyColumns}
            """, connection, transaction))
        {
            expire.Parameters.Add(new() { Value = platform.Id });
            expire.Parameters.Add(new() { Value = keyId });
            expire.Parameters.Add(new() { Value = time.GetUtcNow() + overlap });
            await using var reader = await expire.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return null;
            old = Read(reader);
        }
        var successor = await InsertAsync(connection, platform, old.Scopes, old.Label, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (successor, old);
    }

    private static async Task<IssuedKey> InsertAsync(
        NpgsqlConnection connection, PlatformView platform, IReadOnlyList<string> scopes, string label, CancellationToken cancellationToken)
    {
        var key = NewKey("bkp");
        var keyId = NewKeyId();
        var role = scopes.Contains(Scopes.Admin) ? UserRole.Administrator : UserRole.Platform;
        await using var command = new NpgsqlCommand($"""
            INSERT INTO api_key (key_hash, principal_id, role, region, label, key_id, platform_id, scopes)
            VALUES ($1, $2, $3, $4, $5, $6, $2, $7)
            RETURNING {PlatformKeyColumns}
            """, connection);
        command.Parameters.Add(new() { Value = Hash(key) });
        command.Parameters.Add(new() { Value = platform.Id });
        command.Parameters.Add(new() { Value = role.ToString() });
        command.Parameters.Add(new() { Value = platform.HomeRegion.Code() });
        command.Parameters.Add(new() { Value = label });
        command.Parameters.Add(new() { Value = keyId });
        command.Parameters.Add(new() { Value = scopes.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new IssuedKey(Read(reader), key);
    }

    private static PlatformKey Read(NpgsqlDataReader reader, UserRole role = UserRole.Platform) => new(
        reader.GetString(0), reader.GetString(1), ScopesOf(reader, 2, role), reader.GetFieldValue<DateTimeOffset>(3),
        reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5));
}
