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

    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public static string Server => Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } server ? server : DefaultServer;

    public static async Task<TestDatabase> CreateAsync(bool migrate = true)
    {
        var name = $"bashu_test_{Guid.NewGuid():N}"[..24];
        await using (var server = new NpgsqlConnection(Server))
        {
            try
            {
                await server.OpenAsync();
            }
            catch (NpgsqlException exception)
            {
                throw new InvalidOperationException($"No test PostgreSQL at {ServerVariable}={Server}; run the suite with ./bashu test.", exception);
            }
            await using var create = new NpgsqlCommand(
                $"CREATE DATABASE {name} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0", server);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(Server) { Database = name, Pooling = true }.ConnectionString;
        if (migrate) await Migrator.MigrateAsync(connectionString);
        return new TestDatabase(name, connectionString);
    }

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
        await using var server = new NpgsqlConnection(Server);
        await server.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", server);
        await drop.ExecuteNonQueryAsync();
    }
}
