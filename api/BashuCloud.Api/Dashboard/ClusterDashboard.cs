using BashuCloud.Api.Auth;
using BashuCloud.Operations;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace BashuCloud.Api.Dashboard;

/// <summary>
/// The Orleans Dashboard at /admin/orleans (Bashu:Dashboard): the silos of both regions, their load, activations and
/// call profiles per grain type, and reminders. The API serves it as an Orleans client; the silos gather the figures.
/// It sits under /admin so that the dashboard's session cookie reaches it. Only the joint administrator may open it:
/// it shows the whole cluster at once, both provinces' silos, hosts and grains, and reminders that name listings of
/// both, more than a province's administrator may see of the other province, and there is no per-province view of it.
/// Not part of the API, so not in the OpenAPI document.
/// </summary>
public static class ClusterDashboard
{
    public const string Path = AdminSessions.CookiePath + "/orleans";

    // Its bundled scripts only. Its styles set inline style attributes and its diagrams (mermaid) insert style
    // elements; its icons are web fonts, one of them inlined in its CSS as data:, as are a few images. It only talks
    // to its own endpoints.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        + "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>The dashboard's services in the API's cluster client.</summary>
    public static IClientBuilder AddBashuDashboard(this IClientBuilder client)
    {
        client.Services.AddOptions<ClusterDashboardOptions>().BindConfiguration(ClusterDashboardOptions.Section);
        var options = client.Configuration.GetSection(ClusterDashboardOptions.Section).Get<ClusterDashboardOptions>() ?? new();
        if (options.Enabled) client.AddDashboard(o => o.HideTrace = !options.LiveLog);
        return client;
    }

    public static void MapClusterDashboard(this IEndpointRouteBuilder app)
    {
        if (!app.ServiceProvider.GetRequiredService<IOptions<ClusterDashboardOptions>>().Value.Enabled) return;
        IEndpointConventionBuilder dashboard = app.MapOrleansDashboard(Path)
            .RequireAuthorization(AdminSessions.JointPolicy)
            .ExcludeFromDescription()
            .WithPageHeaders(ContentSecurityPolicy);
        dashboard.Add(endpoint =>
        {
            var route = (endpoint as RouteEndpointBuilder)?.RoutePattern.RawText?.TrimEnd('/');
            // Its page, opened without a session, sends the browser to sign in as /admin does; its data answers 401.
            if (route == Path || route == Path + "/index.html") endpoint.Metadata.Add(AdminPage.Metadata);
            if (route == Path + "/GrainState") endpoint.FilterFactories.Add((_, _) => _ => ValueTask.FromResult<object?>(RefuseGrainState()));
        });
    }

    /// <summary>
    /// Its grain-state page reads a grain by calling the grain's parameterless methods: calls that bypass the checks our
    /// grains make of who asks (the Actor), and the audit trail. Listings, deals and users are read through the API.
    /// </summary>
    private static IResult RefuseGrainState() => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden,
        detail: "集群监控不读取颗粒状态，请通过 API 查看数据 (the cluster monitor does not read grain state: read the data through the API)");
}
