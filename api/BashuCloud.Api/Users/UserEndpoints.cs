using System.Security.Claims;
using BashuCloud.Api.Auth;
using BashuCloud.Api.Infrastructure;
using BashuCloud.Regions;
using BashuCloud.Users;

namespace BashuCloud.Api.Users;

public sealed record UserResponse(
    string Id, string DisplayName, UserRole Role, Region Region, string? Organization, string? City, int Version, DateTimeOffset CreatedAt);

/// <summary>A new user, with the API key that acts for them (shown this once, stored only as a hash) and its id, to revoke it by.</summary>
public sealed record RegisteredUserResponse(UserResponse User, string ApiKey, string KeyId);

/// <summary>/api/v1/users: administrators register users; anyone may read a user's public profile.</summary>
public static class UserEndpoints
{
    public static RouteGroupBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/users").WithTags("Users").ProducesCommonProblems();
        group.MapPost("/", RegisterUser).RequireAuthorization(ApiKeyAuthentication.Administrator).Produces<RegisteredUserResponse>(StatusCodes.Status201Created)
            .WithSummary("登记用户并签发密钥 (register a user and issue their API key; administrators of the user's region, administrators by the joint administrator only)");
        group.MapGet("/{id}", GetUser).AllowAnonymous().Produces<UserResponse>().WithSummary("查看用户 (get a user's public profile)");
        return group;
    }

    private static async Task<IResult> RegisterUser(
        UserRegistration registration, ClaimsPrincipal user, IGrainFactory grains, ApiKeyStore keys, HttpResponse response, CancellationToken cancellationToken)
    {
        if (registration.Region is not { } region) return Problems.RegionRequired();
        // The user's key may do all the role allows: only a key holding all of that may register them.
        if (registration.Role is { } role && Enum.IsDefined(role) && user.Missing(Scopes.ImpliedBy(role)) is { Count: > 0 } missing)
        {
            return Problems.Status(StatusCodes.Status403Forbidden, Scopes.BeyondOwn(missing));
        }
        var id = BashuId.New(region);
        var outcome = await grains.GetGrain<IUserGrain>(id).RegisterAsync(registration, user.RequireActor());
        if (!outcome.Succeeded) return Problems.From(outcome);
        var view = outcome.Value!;
        var key = ApiKeyStore.NewKey("bk");
        var keyId = await keys.SaveAsync(key, new Actor(view.Id, view.Role, view.Region), $"user {view.Id}", cancellationToken);
        Versions.SetETag(response, view.Version);
        return TypedResults.Created($"/api/v1/users/{id}", new RegisteredUserResponse(view.ToResponse(), key, keyId));
    }

    private static async Task<IResult> GetUser(string id, IGrainFactory grains, HttpResponse response)
    {
        if (!BashuId.IsValid(id) || await grains.GetGrain<IUserGrain>(id).GetAsync() is not { } view)
        {
            return Problems.Status(StatusCodes.Status404NotFound, $"用户 {id} 不存在 (no such user)");
        }
        Versions.SetETag(response, view.Version);
        return TypedResults.Ok(view.ToResponse());
    }

    public static UserResponse ToResponse(this UserView view) =>
        new(view.Id, view.DisplayName, view.Role, view.Region, view.Organization, view.City, view.Version, view.CreatedAt);
}
