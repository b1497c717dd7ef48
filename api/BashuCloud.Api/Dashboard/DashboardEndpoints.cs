using BashuCloud.Api.Auth;
using BashuCloud.Api.Statistics;

namespace BashuCloud.Api.Dashboard;

/// <summary>
/// /admin: the provincial administrators' dashboard of joint statistics. The page and its scripts are static files
/// (Dashboard/site, with Apache ECharts vendored from npm by the build); its figures come from the same handlers as
/// GET /api/v1/stats/joint, mapped under /admin so that the sign-in cookie, which only /admin receives, reaches them.
/// Not part of the partner API, so not in the OpenAPI document. The joint administrator also finds the Orleans
/// Dashboard here (<see cref="ClusterDashboard"/>, /admin/orleans).
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>The files a page may load, with their types: nothing else under the site folder is served.</summary>
    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal)
    {
        ["dashboard.css"] = "text/css; charset=utf-8",
        ["dashboard.js"] = "text/javascript; charset=utf-8",
        ["login.js"] = "text/javascript; charset=utf-8",
        ["echarts.min.js"] = "text/javascript; charset=utf-8",
    };

    // The page runs our scripts only; ECharts sets styles from script, and its tooltips carry inline styles.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly string Site = Path.Combine(AppContext.BaseDirectory, "dashboard");

    public static WebApplicationBuilder AddAdminDashboard(this WebApplicationBuilder builder) => builder.AddAdminSessions();

    public static RouteGroupBuilder MapAdminDashboard(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup(AdminSessions.CookiePath).ExcludeFromDescription().WithPageHeaders(ContentSecurityPolicy);
        admin.MapGet("", () => Page("index.html")).RequireAuthorization(AdminSessions.Policy).WithMetadata(AdminPage.Metadata);
        admin.MapGet("/login", () => Page("login.html")).AllowAnonymous();
        admin.MapPost("/login", SignIn).AllowAnonymous().DisableAntiforgery();
        admin.MapPost("/logout", SignOut).AllowAnonymous().DisableAntiforgery();
        admin.MapGet("/assets/{name}", Asset).AllowAnonymous();
        admin.MapGet("/stats/joint", StatisticsEndpoints.Joint).RequireAuthorization(AdminSessions.Policy);
        admin.MapGet("/stats/joint.csv", StatisticsEndpoints.JointCsv).RequireAuthorization(AdminSessions.Policy);
        app.MapClusterDashboard();
        return admin;
    }

    /// <summary>What every answer under /admin carries: its content policy, and never to be cached or sniffed.</summary>
    internal static RouteGroupBuilder WithPageHeaders(this RouteGroupBuilder group, string contentSecurityPolicy) => group.AddEndpointFilter(async (context, next) =>
    {
        var headers = context.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = contentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        // Not no-referrer: under it a browser sends "Origin: null" with the page's own forms, which then look foreign.
        headers["Referrer-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
        return await next(context);
    });

    private static IResult Page(string name) => TypedResults.PhysicalFile(Path.Combine(Site, name), "text/html; charset=utf-8");

    private static IResult Asset(string name) =>
        Assets.TryGetValue(name, out var type) && File.Exists(Path.Combine(Site, name))
            ? TypedResults.PhysicalFile(Path.Combine(Site, name), type)
            : TypedResults.NotFound();

    /// <summary>
    /// The sign-in form posts the key; a session cookie comes back and the browser goes to the dashboard. A refusal
    /// goes back to the form with the reason. A form posted from another site is refused: the cookie is SameSite, but
    /// a forged sign-in could still put a victim's browser into someone else's session.
    /// </summary>
    private static async Task<IResult> SignIn(HttpContext context, AdminSessionStore sessions, CancellationToken cancellationToken)
    {
        if (!FromThisSite(context.Request)) return TypedResults.Problem(statusCode: 403, detail: "请从本站的登录页登录 (sign in from this site's sign-in page)");
        if (!context.Request.HasFormContentType) return TypedResults.Redirect($"{AdminSessions.CookiePath}/login?notice=key");
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var (token, refusal) = await sessions.OpenAsync(form["key"].ToString().Trim(), cancellationToken);
        if (token is null)
        {
            return TypedResults.Redirect($"{AdminSessions.CookiePath}/login?notice={(refusal is SignInRefusal.NotAnAdministrator ? "role" : "key")}");
        }
        AdminSessions.Write(context.Response, token, sessions.Lifetime);
        return TypedResults.Redirect(AdminSessions.CookiePath);
    }

    private static async Task<IResult> SignOut(HttpContext context, AdminSessionStore sessions, CancellationToken cancellationToken)
    {
        if (!FromThisSite(context.Request)) return TypedResults.Problem(statusCode: 403, detail: "请从本站退出登录 (sign out from this site)");
        if (context.Request.Cookies.TryGetValue(AdminSessions.Cookie, out var token) && token.Length is > 0 and <= 200)
        {
            await sessions.CloseAsync(token, cancellationToken);
        }
        AdminSessions.Clear(context.Response);
        return TypedResults.Redirect($"{AdminSessions.CookiePath}/login?notice=signed-out");
    }

    /// <summary>A browser names the page a form came from (Origin); a form from another site names that site.</summary>
    private static bool FromThisSite(HttpRequest request) =>
        !request.Headers.TryGetValue("Origin", out var origin)
        || (Uri.TryCreate(origin.ToString(), UriKind.Absolute, out var from)
            && string.Equals(from.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
}
