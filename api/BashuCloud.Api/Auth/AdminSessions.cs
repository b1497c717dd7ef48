using System.Text.Encodings.Web;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BashuCloud.Api.Auth;

/// <summary>
/// Sign-in for the administrators' dashboard (/admin). A browser cannot send X-Api-Key on a page load, so an
/// administrator signs in once with their key and the browser then holds a session token in a cookie that only
/// /admin ever receives (HttpOnly, SameSite=Strict, Secure outside Development): the API itself keeps accepting keys alone, so no API call can
/// be forged from another site with the cookie. Sessions live in PostgreSQL (017_admin_sessions.sql): every API
/// process knows them, and revoking the key ends its sessions at once.
/// </summary>
public static class AdminSessions
{
    public const string SchemeName = "AdminSession";
    public const string Policy = "admin-session";

    /// <summary>
    /// An administrator's session for the whole platform: the joint administrator, whose key has no region. Views of
    /// the whole cluster (the Orleans Dashboard) need it, since they show both provinces at once.
    /// </summary>
    public const string JointPolicy = "joint-admin-session";

    public const string Cookie = "bashu_admin";
    public const string CookiePath = "/admin";

    public static WebApplicationBuilder AddAdminSessions(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AdminSessionStore>();
        builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, Handler>(SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => RequireAdministrator(policy))
            .AddPolicy(JointPolicy, policy => RequireAdministrator(policy).RequireAssertion(context => context.User.ToActor() is { Region: null }));
        return builder;
    }

    private static AuthorizationPolicyBuilder RequireAdministrator(AuthorizationPolicyBuilder policy) => policy
        .AddAuthenticationSchemes(SchemeName)
        .RequireRole(nameof(UserRole.Administrator))
        .RequireClaim(Scopes.ClaimType, Scopes.Admin);

    /// <summary>Who may open a session: an administrator's key (a user's, the bootstrap one, or a provincial platform's with admin).</summary>
    public static bool MayOpen(Caller caller) => caller.Actor.Role is UserRole.Administrator && caller.Scopes.Contains(Scopes.Admin);

    public static void Write(HttpResponse response, string token, TimeSpan lifetime) => response.Cookies.Append(Cookie, token, Options(response, lifetime));

    public static void Clear(HttpResponse response) => response.Cookies.Delete(Cookie, Options(response, TimeSpan.Zero));

    private static CookieOptions Options(HttpResponse response, TimeSpan lifetime) => new()
    {
        Path = CookiePath,
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        // Outside Development always: behind a proxy that ends TLS the request here may be plain http, and a cookie
        // sent without Secure would travel in the clear the first time someone types http://. Browsers keep Secure
        // cookies of http://localhost and 127.0.0.1 too, so a local run still signs in.
        Secure = response.HttpContext.Request.IsHttps || !response.HttpContext.RequestServices.GetRequiredService<IHostEnvironment>().IsDevelopment(),
        MaxAge = lifetime,
        IsEssential = true,
    };

    private sealed class Handler(
        IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AdminSessionStore sessions, IProblemDetailsService problems)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Cookies.TryGetValue(Cookie, out var token) || token.Length is 0 or > 200) return AuthenticateResult.NoResult();
            return await sessions.FindAsync(token, Context.RequestAborted) is { } caller
                ? AuthenticateResult.Success(caller.Ticket(SchemeName))
                : AuthenticateResult.Fail("unknown or ended session");
        }

        /// <summary>A page (<see cref="AdminPage"/>) sends the browser to sign in; data answers 401 for the page's script to act on.</summary>
        protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            if (HttpMethods.IsGet(Request.Method) && Context.GetEndpoint()?.Metadata.GetMetadata<AdminPage>() is not null)
            {
                Response.Redirect($"{CookiePath}/login");
                return;
            }
            await WriteAsync(StatusCodes.Status401Unauthorized, "请先登录管理后台 (sign in to the dashboard first)");
        }

        /// <summary>Only <see cref="JointPolicy"/> refuses a working session: a regional administrator's.</summary>
        protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => WriteAsync(StatusCodes.Status403Forbidden,
            "此页仅限联合管理员（不属于某一省份的管理员） (this page is for the joint administrator only, not a province's administrator)");

        private async Task WriteAsync(int status, string detail)
        {
            Response.StatusCode = status;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = Context,
                ProblemDetails = { Status = status, Title = Errors.TitleFor(status), Detail = detail },
            });
        }
    }
}

/// <summary>Marks a page of the dashboard (not its data): a browser that opens it without a session is sent to sign in.</summary>
public sealed class AdminPage
{
    public static readonly AdminPage Metadata = new();

    private AdminPage()
    {
    }
}

/// <summary>Sessions of the dashboard, stored as SHA-256 hashes of their tokens, each bound to the key it was opened with.</summary>
public sealed class AdminSessionStore(NpgsqlDataSource database, ApiKeyStore keys, IOptions<ApiSettings> settings)
{
    public TimeSpan Lifetime => TimeSpan.FromHours(settings.Value.AdminSessionHours);

    /// <summary>Opens a session for a working administrator's key: the token, or why not.</summary>
    public async Task<(string? Token, SignInRefusal? Refusal)> OpenAsync(string key, CancellationToken cancellationToken)
    {
        if (key.Length is 0 or > 200 || await keys.FindAsync(key, cancellationToken) is not { } caller) return (null, SignInRefusal.UnknownKey);
        if (!AdminSessions.MayOpen(caller)) return (null, SignInRefusal.NotAnAdministrator);
        var token = ApiKeyStore.NewKey("bks");
        await using var command = database.CreateCommand("INSERT INTO admin_session (session_hash, key_hash, expires_at) VALUES ($1, $2, now() + $3)");
        command.Parameters.Add(new() { Value = ApiKeyStore.Hash(token) });
        command.Parameters.Add(new() { Value = ApiKeyStore.Hash(key) });
        command.Parameters.Add(new() { Value = Lifetime });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return (token, null);
    }

    /// <summary>Who a session acts for, while it and its key both still work.</summary>
    public async Task<Caller?> FindAsync(string token, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"""
            SELECT {ApiKeyStore.CallerColumns} FROM admin_session s JOIN api_key k USING (key_hash)
             WHERE s.session_hash = $1 AND s.expires_at > now() AND {ApiKeyStore.KeyWorks}
            """);
        command.Parameters.Add(new() { Value = ApiKeyStore.Hash(token) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ApiKeyStore.ReadCaller(reader) : null;
    }

    /// <summary>Ends a session; ending one that is already gone changes nothing.</summary>
    public async Task CloseAsync(string token, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("DELETE FROM admin_session WHERE session_hash = $1");
        command.Parameters.Add(new() { Value = ApiKeyStore.Hash(token) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

public enum SignInRefusal
{
    UnknownKey,
    NotAnAdministrator,
}
