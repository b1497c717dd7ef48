using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using BashuCloud.Telemetry;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using Orleans.Configuration;

namespace BashuCloud.Tests.Telemetry;

/// <summary>
/// One API request is one trace from the API through the grain to PostgreSQL. The API (on Kestrel, with its own
/// telemetry configuration) and a Sichuan silo on our PostgreSQL storage run in the test process, so one in-memory
/// exporter sees the spans of both; the silo joins the trace as the silo process does when it exports traces.
/// </summary>
public sealed class RequestTraceTests : IAsyncLifetime, IAsyncDisposable
{
    private const string AdminKey = "bk_admin_trace_tests_juQddZjoRWCHKCoYmHgJl1mX";
    private readonly SpanLog _spans = new();
    private readonly LogCapture _logs = new();
    private readonly string _clusterId = $"trace-{Guid.NewGuid():N}"[..16];
    private TestDatabase _database = null!;
    private IHost _silo = null!;
    private InProcessApi _api = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _silo = StartSilo();
        await _silo.StartAsync();
        _api = new InProcessApi(_spans, _logs, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
            ["ConnectionStrings:Bashu"] = _database.ConnectionString,
            ["Bashu:ClusterId"] = _clusterId,
            ["BASHU_ADMIN_KEY"] = AdminKey,
            ["Bashu:Webhooks:Dispatch"] = "false",
            // Traces are on where they are exported; nothing listens on the discard port, the exporter drops them.
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9",
        });
        _api.UseKestrel(0);
        _api.StartServer();
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _silo.StopAsync();
        _silo.Dispose();
        _logs.Dispose();
        await _database.DisposeAsync();
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Registering_a_platform_is_one_trace_from_the_request_through_the_grain_call_to_the_statement_that_stores_it()
    {
        using var http = _api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/v1/platforms/trace-test")
        {
            Content = JsonContent.Create(new { name = "追踪测试平台", kind = "Partner", homeRegion = "sichuan" }),
        };
        request.Headers.Add("X-Api-Key", AdminKey);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        // The request's span ends once the answer is sent, and the batch's statement may end a moment later.
        var trace = await WaitForTraceAsync(spans => spans.Values.Any(s => s.Source.Name == "Npgsql" && Ancestors(s, spans).Any(IsBatch)));

        var root = Assert.Single(trace.Values, s => s.ParentSpanId == default);
        Assert.Equal(ActivityKind.Server, root.Kind);
        Assert.Equal("Microsoft.AspNetCore", root.Source.Name);
        Assert.All(trace.Values.Where(s => s != root), s => Assert.True(trace.ContainsKey(s.ParentSpanId), $"the parent of {s.DisplayName} is in the trace"));
        var statement = trace.Values.First(s => s.Source.Name == "Npgsql" && Ancestors(s, trace).Any(IsBatch));
        // From the statement up: the group-commit batch, the grain call received on the silo, the call sent by the API, the request.
        var chain = Ancestors(statement, trace).ToList();
        var batch = chain.FindIndex(IsBatch);
        var received = chain.FindIndex(s => s.Source.Name == "Microsoft.Orleans.Application" && s.Kind == ActivityKind.Server);
        var sent = chain.FindIndex(s => s.Source.Name == "Microsoft.Orleans.Application" && s.Kind == ActivityKind.Client);
        Assert.True(batch >= 0 && received > batch && sent > received, string.Join(" <- ", chain.Select(s => $"{s.Source.Name}:{s.DisplayName}")));
        Assert.Contains("IPlatformGrain", chain[received].DisplayName);
        Assert.Equal(root, chain[^1]);

        // What the API logged while serving the request carries the request's trace and span (console and OTLP alike).
        var logged = Assert.Single(_logs.Lines, l => l.Category == "Microsoft.AspNetCore.Hosting.Diagnostics" && l.Message.Contains("Request starting", StringComparison.Ordinal));
        Assert.Equal(root.TraceId.ToHexString(), logged.Scope.GetValueOrDefault("TraceId"));
        Assert.Equal(root.SpanId.ToHexString(), logged.Scope.GetValueOrDefault("SpanId"));
    }

    private static bool IsBatch(Activity span) => span.Source.Name == TelemetryNames.StorageActivitySource;

    private static IEnumerable<Activity> Ancestors(Activity span, IReadOnlyDictionary<ActivitySpanId, Activity> trace)
    {
        for (var at = span; trace.TryGetValue(at.ParentSpanId, out var parent); at = parent) yield return parent;
    }

    /// <summary>The spans of the platform request's trace, once they satisfy <paramref name="complete"/>.</summary>
    private async Task<Dictionary<ActivitySpanId, Activity>> WaitForTraceAsync(Func<Dictionary<ActivitySpanId, Activity>, bool> complete)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var spans = _spans.ToList();
            var request = spans.FirstOrDefault(s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server
                && s.TagObjects.Any(t => t.Value is string value && value.Contains("/api/v1/platforms/", StringComparison.Ordinal)));
            var trace = request is null ? [] : spans.Where(s => s.TraceId == request.TraceId).ToDictionary(s => s.SpanId);
            if (request is not null && complete(trace)) return trace;
            Assert.True(DateTime.UtcNow < deadline, "the request's trace reached the database: " + string.Join(", ", spans.Select(s => $"{s.Source.Name}:{s.DisplayName}")));
            await Task.Delay(100);
        }
    }

    private IHost StartSilo()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(_database.DataSource);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (_clusterId, "bashucloud"));
            silo.ConfigureEndpoints(IPAddress.Loopback, PlatformProcesses.FreePort(), PlatformProcesses.FreePort());
            silo.UseAdoNetClustering(o => (o.Invariant, o.DataSource) = ("Npgsql", _database.DataSource));
            silo.AddBashuGrainStorage();
            silo.UseInMemoryReminderService();
            silo.AddBashuGrains(Region.Sichuan);
            // As the silo's AddBashuTelemetry does when traces are exported.
            silo.AddActivityPropagation();
        });
        return builder.Build();
    }

    /// <summary>The API's own Program, its settings given before it reads them, and an in-memory exporter beside its OTLP one.</summary>
    private sealed class InProcessApi(SpanLog spans, LogCapture logs, Dictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override IHost CreateHost(IHostBuilder builder)
        {
            builder.ConfigureHostConfiguration(configuration => configuration.AddInMemoryCollection(settings));
            return base.CreateHost(builder);
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(Environments.Production);
            // The silo's storage spans: in production the silo process records them itself.
            builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(logs).ConfigureOpenTelemetryTracerProvider(tracing => tracing
                .AddSource(TelemetryNames.StorageActivitySource)
                .AddInMemoryExporter(spans)));
        }
    }

    /// <summary>Spans as the exporter adds them, from any thread; read as a snapshot.</summary>
    private sealed class SpanLog : ICollection<Activity>
    {
        private readonly ConcurrentQueue<Activity> _spans = new();

        public int Count => _spans.Count;

        public bool IsReadOnly => false;

        public void Add(Activity item) => _spans.Enqueue(item);

        public IEnumerator<Activity> GetEnumerator() => _spans.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public void Clear() => throw new NotSupportedException();

        public bool Contains(Activity item) => _spans.Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex) => _spans.ToArray().CopyTo(array, arrayIndex);

        public bool Remove(Activity item) => throw new NotSupportedException();
    }

    /// <summary>Log lines with the values of the scopes they were written in (as a console or OTLP logger sees them).</summary>
    private sealed class LogCapture : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<(string Category, string Message, Dictionary<string, object?> Scope)> Lines { get; } = new();

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(LogCapture owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scope = new Dictionary<string, object?>();
                owner._scopes.ForEachScope(static (values, target) =>
                {
                    if (values is not IEnumerable<KeyValuePair<string, object?>> pairs) return;
                    foreach (var (key, value) in pairs) target[key] = value;
                }, scope);
                owner.Lines.Enqueue((category, formatter(state, exception), scope));
            }
        }
    }
}
