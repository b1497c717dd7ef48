using BashuCloud.Api.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BashuCloud.Api.Changes;

/// <summary>
/// The one wait for new changes that every long poll of this API process shares: a connection of its own LISTENs
/// for the commit-time notification of a listing's change (deploy/sql 022) and wakes every waiter at once, so a
/// waiting poll costs no query and holds no connection. After a notification the waiters are woken a few more times
/// over the next two seconds: the feed shows a change only once every older transaction has ended, which may be just
/// after its notification. While the listener is down (PostgreSQL restarting, the connection cut) the waiters are
/// woken on one shared tick instead, and it reconnects every second.
/// </summary>
public sealed partial class ChangeSignal(IConfiguration configuration, IOptions<ApiSettings> settings, ILogger<ChangeSignal> logger) : BackgroundService
{
    public const string Channel = "bashu_listing_changes";

    /// <summary>The listener's application_name in pg_stat_activity.</summary>
    public const string ApplicationName = "bashu-change-listener";

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private const int EchoTicks = 8;
    private const int TicksBeforeReconnect = 4;
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(10);

    private TaskCompletionSource _next = NewSignal();

    /// <summary>Completes at the next wake-up. Take it before reading the feed, so a change committed during the read still wakes.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Wake() => Interlocked.Exchange(ref _next, NewSignal()).TrySetResult();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever broke the connection, the waiters must go on being woken: a background service that throws stops the process.
                LogListenerDown(logger, exception.Message);
            }
            for (var i = 0; i < TicksBeforeReconnect && !stoppingToken.IsCancellationRequested; i++)
            {
                Wake();
                await Task.Delay(Tick, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var serviceId = settings.Value.ServiceId;
        await using var connection = new NpgsqlConnection(ListenerConnectionString());
        connection.Notification += (_, notification) =>
        {
            if (notification.Payload == serviceId) Wake();
        };
        await connection.OpenAsync(stoppingToken);
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection)) await listen.ExecuteNonQueryAsync(stoppingToken);
        // Changes may have come while nobody listened.
        Wake();
        var echoes = 0;
        while (true)
        {
            if (await connection.WaitAsync(echoes > 0 ? Tick : Heartbeat, stoppingToken))
            {
                echoes = EchoTicks;
                continue;
            }
            if (echoes > 0)
            {
                echoes--;
                Wake();
                continue;
            }
            // Quiet for a while: make sure the connection is still there (a dead one would never notify).
            await using var ping = new NpgsqlCommand("SELECT 1", connection);
            await ping.ExecuteScalarAsync(stoppingToken);
        }
    }

    /// <summary>Its own connection, outside the pool (LISTEN is session state), that notices a dead peer by TCP keepalive.</summary>
    private string ListenerConnectionString() => new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Bashu"))
    {
        Pooling = false,
        ApplicationName = ApplicationName,
        KeepAlive = 10,
    }.ConnectionString;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The change feed's listener is down ({Reason}); long polls are woken every 250 ms until it is back")]
    private static partial void LogListenerDown(ILogger logger, string reason);
}
