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
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(WithoutJit(connectionString)));
        builder.Services.AddSingleton<ListingQueries>();
        builder.Services.AddSingleton<ListingDuplicates>();
        builder.Services.AddSingleton<DirectoryQueries>();
        builder.Services.AddValidatedSettings<ApiSettings>(ApiSettings.Section);
        return builder;
    }

    /// <summary>
    /// The API's queries are short, and the planner's cost of a search's gram function (high on purpose, so that no
    /// plan computes it for every row) would otherwise make PostgreSQL JIT-compile them: 25–30 ms of compiling for
    /// a query that runs in 2 ms.
    /// </summary>
    public static string WithoutJit(string connectionString)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        connection.Options = $"{connection.Options} -c jit=off".Trim();
        return connection.ConnectionString;
    }
}
