using BashuCloud.Api.Listings;
using BashuCloud.Api.Platforms;
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
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(Tuned(connectionString)));
        builder.Services.AddSingleton<ListingQueries>();
        builder.Services.AddSingleton<ListingDuplicates>();
        builder.Services.AddSingleton<DirectoryQueries>();
        builder.Services.AddValidatedSettings<ApiSettings>(ApiSettings.Section);
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
}
