using System.Security.Claims;
using System.Text.Encodings.Web;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Regions;
using BashuCloud.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BashuCloud.Api.Auth;

/// <summary>
/// Callers authenticate with an X-Api-Key header. No header means an anonymous caller, who may read public
/// data; a wrong or revoked key is 401, never treated as anonymous.
/// </summary>
public static class ApiKeyAuthentication
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";
    public const string Administrator = "administrator";

    /// <summary>The id of the key the caller authenticated with (directly, or through a dashboard session opened with it).</summary>
    public const string KeyIdClaim = "key_id";

    public static WebApplicationBuilder AddApiKeyAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddAuthentication(SchemeName).AddScheme<AuthenticationSchemeOptions, Handler>(SchemeName, null);
        var authorization = builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Administrator, policy => policy.RequireRole(nameof(UserRole.Administrator)).RequireClaim(Scopes.ClaimType, Scopes.Admin));
        foreach (var scope in Scopes.All)
        {
            authorization.AddPolicy(Scopes.Policy(scope), policy => policy.RequireClaim(Scopes.ClaimType, scope));
        }
        builder.Services.AddSingleton(BootstrapKey.Resolve(builder.Configuration, builder.Environment));
        builder.Services.AddHostedService<BootstrapAdministrator>();
        return builder;
    }

    /// <summary>
    /// Authenticates every request; one that sends X-Api-Key with a wrong, revoked or expired key is 401 wherever it
    /// goes, even where anonymous callers are welcome: a mistyped key must not quietly read as the public.
    /// </summary>
    public static WebApplication UseApiKeyAuthentication(this WebApplication app)
    {
        app.UseAuthentication();
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers.ContainsKey(Header) && context.User.Identity?.IsAuthenticated != true)
            {
                await context.ChallengeAsync(SchemeName);
                return;
            }
            await next(context);
        });
        return app;
    }

    /// <summary>The caller as the grains know it, or null for an anonymous caller.</summary>
    public static Actor? ToActor(this ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true) return null;
        Region? region = Regions.Regions.TryParse(user.FindFirstValue("region"), out var r) ? r : null;
        return new Actor(user.FindFirstValue(ClaimTypes.NameIdentifier)!, Enum.Parse<UserRole>(user.FindFirstValue(ClaimTypes.Role)!), region);
    }

    /// <summary>The caller's claims: who, role, region, scopes and platform, whichever scheme authenticated them.</summary>
    public static AuthenticationTicket Ticket(this Caller caller, string scheme)
    {
        var actor = caller.Actor;
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, actor.PrincipalId),
            new(ClaimTypes.Role, actor.Role.ToString()),
        };
        if (actor.Region is { } region) claims.Add(new("region", region.Code()));
        claims.AddRange(caller.Scopes.Select(scope => new Claim(Scopes.ClaimType, scope)));
        if (caller.PlatformId is { } platform) claims.Add(new(RateLimits.PlatformClaim, platform));
        claims.Add(new(KeyIdClaim, caller.KeyId));
        return new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, scheme)), scheme);
    }

    /// <summary>The caller as a reader of listings: a key without listings:read reads what the public reads.</summary>
    public static Actor? ToReader(this ClaimsPrincipal user) => user.Has(Scopes.ListingsRead) ? user.ToActor() : null;

    /// <summary>For endpoints that require authorization: the caller is known.</summary>
    public static Actor RequireActor(this ClaimsPrincipal user) =>
        user.ToActor() ?? throw new InvalidOperationException("The endpoint must require authorization.");

    private sealed class Handler(
        IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys, IProblemDetailsService problems)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(Header, out var values)) return AuthenticateResult.NoResult();
            var key = values.ToString();
            if (key.Length is 0 or > 200) return AuthenticateResult.Fail("malformed key");
            return await keys.FindAsync(key, Context.RequestAborted) is { } caller
                ? AuthenticateResult.Success(caller.Ticket(SchemeName))
                : AuthenticateResult.Fail("unknown, revoked or expired key");
        }

        protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Write(StatusCodes.Status401Unauthorized,
            Request.Headers.ContainsKey(Header) ? "X-Api-Key 无效、已吊销或已过期 (the key is wrong, revoked or expired)" : "此操作需要 X-Api-Key (this operation needs an X-Api-Key)");

        protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
            Write(StatusCodes.Status403Forbidden, "此密钥无权执行此操作：角色或权限范围不足 (this key's role or scopes do not allow that)");

        private async Task Write(int status, string detail)
        {
            Response.StatusCode = status;
            if (status == StatusCodes.Status401Unauthorized) Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{Header}\"";
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = Context,
                ProblemDetails = { Status = status, Title = Errors.TitleFor(status), Detail = detail },
            });
        }
    }
}
