using Npgsql;

namespace BashuCloud.Api.Partners;

/// <summary>What to do with a request that carries an Idempotency-Key.</summary>
public abstract record IdempotentStart
{
    private IdempotentStart()
    {
    }

    /// <summary>The first request with this key (or one taking over from a process that died running it): run it.</summary>
    public sealed record Run : IdempotentStart;

    /// <summary>The key ran before with the same body: answer what it answered then.</summary>
    public sealed record Replay(int Status, string Body) : IdempotentStart;

    /// <summary>The key is running right now in another request.</summary>
    public sealed record Running : IdempotentStart;

    /// <summary>The key ran with another body.</summary>
    public sealed record OtherBody : IdempotentStart;
}

/// <summary>
/// Idempotency keys in PostgreSQL, so they hold across API processes: per caller, a key with the hash of the body it
/// came with and, once done, the answer. A key still running after <see cref="TakeOverAfter"/> belonged to a process
/// that died; the next request with it runs it again (the items it holds are idempotent).
/// </summary>
public sealed class IdempotencyKeys(NpgsqlDataSource database)
{
    public const int MaxLength = 200;
    public static readonly TimeSpan TakeOverAfter = TimeSpan.FromMinutes(5);

    public static bool IsValid(string key) => key.Length is > 0 and <= MaxLength && key.All(c => c is > ' ' and <= '~');

    public async Task<IdempotentStart> StartAsync(string principal, string key, byte[] bodyHash, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            WITH fresh AS (
                INSERT INTO idempotency_key (principal_id, key, request_hash) VALUES ($1, $2, $3)
                ON CONFLICT DO NOTHING RETURNING 'run'::text AS decision
            ), taken AS (
                UPDATE idempotency_key SET started_at = now()
                 WHERE principal_id = $1 AND key = $2 AND request_hash = $3 AND status IS NULL
                   AND started_at < now() - $4::interval AND NOT EXISTS (SELECT 1 FROM fresh)
                RETURNING 'run'::text AS decision
            )
            SELECT decision, NULL::int, NULL::text FROM fresh
            UNION ALL SELECT decision, NULL, NULL FROM taken
            UNION ALL SELECT CASE WHEN k.request_hash <> $3 THEN 'other' WHEN k.status IS NULL THEN 'running' ELSE 'replay' END, k.status, k.response
              FROM idempotency_key k
             WHERE k.principal_id = $1 AND k.key = $2 AND NOT EXISTS (SELECT 1 FROM fresh) AND NOT EXISTS (SELECT 1 FROM taken)
            """);
        command.Parameters.Add(new() { Value = principal });
        command.Parameters.Add(new() { Value = key });
        command.Parameters.Add(new() { Value = bodyHash });
        command.Parameters.Add(new() { Value = TakeOverAfter });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return new IdempotentStart.Running();
        return reader.GetString(0) switch
        {
            "run" => new IdempotentStart.Run(),
            "replay" => new IdempotentStart.Replay(reader.GetInt32(1), reader.GetString(2)),
            "other" => new IdempotentStart.OtherBody(),
            _ => new IdempotentStart.Running(),
        };
    }

    public async Task FinishAsync(string principal, string key, int status, string body, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "UPDATE idempotency_key SET status = $3, response = $4, finished_at = now() WHERE principal_id = $1 AND key = $2");
        command.Parameters.Add(new() { Value = principal });
        command.Parameters.Add(new() { Value = key });
        command.Parameters.Add(new() { Value = status });
        command.Parameters.Add(new() { Value = body });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A run that failed as a whole leaves no answer behind: the key may be used again at once.</summary>
    public async Task ForgetAsync(string principal, string key)
    {
        await using var command = database.CreateCommand("DELETE FROM idempotency_key WHERE principal_id = $1 AND key = $2 AND status IS NULL");
        command.Parameters.Add(new() { Value = principal });
        command.Parameters.Add(new() { Value = key });
        await command.ExecuteNonQueryAsync();
    }
}
