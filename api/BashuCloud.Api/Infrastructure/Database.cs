using BashuCloud.Api.Listings;
using BashuCloud.Api.Platforms;
using Microsoft.Extensions.Options;
using Npgsql;
using BashuCloud.Settings;

namespace BashuCloud.Api.Infrastructure;

public static class Database
{
    /// <summary>One pooled data source for the read model and API keys.</summary>
    public static WebApplicationBuilder AddBashuDatabase(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Bashu");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("缺少数据库连接串 ConnectionStrings:Bashu (missing the PostgreSQL connection string)");
        }
        builder.Services.AddValidatedSettings<ApiSettings>(ApiSettings.Section);
        builder.Services.AddSingleton(services => NpgsqlDataSource.Create(Bounded(Tuned(connectionString), services.GetRequiredService<IOptions<ApiSettings>>().Value)));
        builder.Services.AddSingleton<ListingQueries>();
        builder.Services.AddSingleton<ListingDuplicates>();
        builder.Services.AddSingleton<DirectoryQueries>();
        return builder;
    }

    /// <summary>
    /// How the API connects. Its queries are short, and the planner's cost of a search's gram function (high on
    /// purpose, so that no plan computes it for every row) would otherwise make PostgreSQL JIT-compile them: 25–30 ms
    /// of compiling for a query that runs in 2 ms. They leave no session state behind (no SET, LISTEN, temporary
    /// table or session lock), so a connection back in the pool needs no DISCARD ALL, which PostgreSQL would otherwise
    /// run before its next use. Nothing is prepared: a search's best plan depends on its words (a common character
    /// or a rare term), and a prepared statement may settle on one generic plan for all of them.
    /// </summary>
    public static string Tuned(string connectionString)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
        connection.Options = $"{connection.Options} -c jit=off".Trim();
        return connection.ConnectionString;
    }

    /// <summary>
    /// Bounded work per connection: a statement that runs longer than Bashu:StatementTimeout (a slow plan, a lock
    /// someone holds) is cancelled by PostgreSQL and the request answers 503 instead of holding a connection and a
    /// caller indefinitely; a transaction left idle longer than Bashu:IdleInTransactionTimeout is ended, so a bug that
    /// forgets one cannot hold back the change feed's horizon, the projection and the webhooks (every reader of the log
    /// waits for transactions older than its position to end).
    /// </summary>
    public static string Bounded(string connectionString, ApiSettings settings)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        connection.Options = $"{connection.Options} -c statement_timeout={Milliseconds(settings.StatementTimeout)} -c idle_in_transaction_session_timeout={Milliseconds(settings.IdleInTransactionTimeout)}".Trim();
        return connection.ConnectionString;
    }

    private static long Milliseconds(TimeSpan span) => (long)span.TotalMilliseconds;
}
