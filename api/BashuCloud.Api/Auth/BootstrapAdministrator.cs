using BashuCloud.Api.Infrastructure;
using BashuCloud.Users;
using Microsoft.Extensions.Options;

namespace BashuCloud.Api.Auth;

/// <summary>
/// The first key of a deployment: a joint administrator of both provinces. Taken from BASHU_ADMIN_KEY (or
/// Bashu:AdminKey) when set; otherwise generated and printed once at start.
/// </summary>
internal sealed partial class BootstrapAdministrator(
    ApiKeyStore keys, IOptions<ApiSettings> settings, IConfiguration configuration, ILogger<BootstrapAdministrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var key = configuration["BASHU_ADMIN_KEY"] is { Length: > 0 } fromEnvironment ? fromEnvironment : settings.Value.AdminKey;
        if (string.IsNullOrWhiteSpace(key))
        {
            key = ApiKeyStore.NewKey("bk_admin");
            LogGenerated(key);
        }
        if (key.Length < 16) throw new InvalidOperationException("BASHU_ADMIN_KEY 至少 16 个字符 (must be at least 16 characters)");
        await keys.SaveAsync(key, new Actor(ApiKeyStore.BootstrapPrincipal, UserRole.Administrator, null), "bootstrap administrator", cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "BASHU_ADMIN_KEY is not set; generated administrator key (shown once): {Key}")]
    private partial void LogGenerated(string key);
}
