using BashuCloud.Api.Audit;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Changes;
using BashuCloud.Api.Dashboard;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Api.Listings;
using BashuCloud.Api.Partners;
using BashuCloud.Api.Platforms;
using BashuCloud.Api.Registry;
using BashuCloud.Api.Search;
using BashuCloud.Api.Statistics;
using BashuCloud.Api.Users;
using BashuCloud.Api.Webhooks;

// appsettings.json lives next to the binary, wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddBashuDatabase();
builder.AddBashuClusterClient();
builder.AddDeadSiloCalls();
builder.AddListingReadCache();
builder.AddAuditTrail();
builder.AddListingSearch();
builder.AddChangeFeed();
builder.AddSyncBatches();
builder.AddWebhooks();
builder.AddHousekeeping();
builder.AddStatistics();
builder.AddRegistry();
builder.AddBashuErrors();
builder.AddApiKeyAuthentication();
builder.AddAdminDashboard();
builder.AddBashuOpenApi();
builder.AddBashuHealth();
builder.AddBashuTelemetry();

var app = builder.Build();
app.UseBashuErrors();
app.UseApiKeyAuthentication();
app.UseRateLimits();
app.UseAuthorization();
app.MapBashuOpenApi();
app.MapBashuHealth();
app.MapListingEndpoints();
app.MapAuditEndpoints();
app.MapSearchEndpoints();
app.MapUserEndpoints();
app.MapPlatformEndpoints();
app.MapPlatformKeyEndpoints();
app.MapPartnerListingEndpoints();
app.MapSyncBatchEndpoints();
app.MapChangeEndpoints();
app.MapWebhookEndpoints();
app.MapStatisticsEndpoints();
app.MapRegistryEndpoints();
app.MapAdminDashboard();
await app.RunAsync();

/// <summary>The API's entry point; public so tests can refer to its assembly.</summary>
public partial class Program;
