using BashuCloud.Schema;
using Npgsql;

namespace BashuCloud.Tests.Support;

/// <summary>
/// A fresh, migrated PostgreSQL database for one fixture, on the server named by BASHU_TEST_DB (which
/// ./bashu test starts). Dropped when the fixture ends.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string ServerVariable = "BASHU_TEST_DB";
    private const string DefaultServer = "Host=127.0.0.1;Port=55433;Database=postgres;Username=bashu";

    // Null for a database this fixture did not create (and must not drop).
    private readonly string? _server;

    private TestDatabase(string name, string connectionString, string? server)
    {
        _server = server;
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public static string Server => Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } server ? server : DefaultServer;

    /// <param name="migrate">Whether to apply the schema (a schema test applies it itself).</param>
    /// <param name="server">A connection string to the server's postgres database; by default the suite's server.</param>
    public static async Task<TestDatabase> CreateAsync(bool migrate = true, string? server = null)
    {
        var name = $"bashu_test_{Guid.NewGuid():N}"[..24];
        server ??= Server;
        await using (var connection = new NpgsqlConnection(server))
        {
            try
            {
                await connection.OpenAsync();
            }
            catch (NpgsqlException exception)
            {
                throw new InvalidOperationException($"No test PostgreSQL at {server}; run the suite with ./bashu test.", exception);
            }
            await using var create = new NpgsqlCommand(
                $"CREATE DATABASE {name} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0", connection);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = true }.ConnectionString;
        if (migrate) await Migrator.MigrateAsync(connectionString);
        return new TestDatabase(name, connectionString, server);
    }

    /// <summary>A database that something else created and owns (`./bashu up`'s): disposing it only closes the connections.</summary>
    public static TestDatabase Attach(string connectionString) =>
        new(new NpgsqlConnectionStringBuilder(connectionString).Database!, connectionString, server: null);

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<int> ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (_server is null) return;
        await using var server = new NpgsqlConnection(_server);
        await server.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", server);
        await drop.ExecuteNonQueryAsync();
    }
}
