using BashuCloud.Api.Listings;
using BashuCloud.Api.Platforms;
using Npgsql;

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
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddSingleton<ListingQueries>();
        builder.Services.AddSingleton<DirectoryQueries>();
        builder.Services.AddOptions<ApiSettings>().BindConfiguration(ApiSettings.Section).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }
}
