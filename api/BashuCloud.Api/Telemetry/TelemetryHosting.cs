using BashuCloud.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using BashuCloud.Settings;

namespace BashuCloud.Api.Telemetry;

public static class TelemetryHosting
{
    /// <summary>The Prometheus scrape path; it is not part of the versioned API (nor of its OpenAPI description).</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Metrics of ASP.NET Core, Kestrel, Orleans, Npgsql, the runtime and our own, on /metrics and by OTLP when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set. Traces only then (an always-sampled tracer with no exporter costs every request
    /// for nothing): a request's span, its grain calls (carried on to the silos) and its statements. Log lines carry
    /// the trace and span of the request that wrote them.
    /// </summary>
    public static WebApplicationBuilder AddBashuTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedSettings<MetricsSettings>(MetricsSettings.Section);
        builder.Services.AddSingleton<ApiMetrics>();
        builder.Services.AddSingleton<StatisticsGauges>();
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("bashucloud-api"))
            .WithMetrics(metrics => metrics
                .AddMeter(TelemetryNames.CommonMeters)
                .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddInstrumentation(services => services.GetRequiredService<StatisticsGauges>())
                .AddPrometheusExporter());
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) return builder;
        builder.UseOrleansClient(client => client.AddActivityPropagation());
        otel.WithTracing(tracing => tracing
                .SetSampler(WorkRootedSampler.Instance)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsOperational(context.Request.Path))
                .AddSource(TelemetryNames.OrleansActivitySources)
                .AddNpgsql())
            .WithLogging(configureBuilder: null, configureOptions: o => o.IncludeFormattedMessage = true)
            .UseOtlpExporter();
        return builder;
    }

    /// <summary>
    /// GET /metrics in the Prometheus text format, for clients in the allowed networks (Bashu:Metrics:AllowedNetworks);
    /// any other client gets 404, as for a page that does not exist.
    /// </summary>
    public static WebApplication MapBashuMetrics(this WebApplication app)
    {
        var networks = app.Services.GetRequiredService<IOptions<MetricsSettings>>().Value.Networks();
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use((context, next) =>
        {
            if (MetricsSettings.Admits(context.Connection.RemoteIpAddress, networks)) return next(context);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }), optionsName: null).WithMetadata(new HttpMethodMetadata([HttpMethods.Get])).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>Scrapes and health probes come every few seconds and tell nothing about a request: they start no trace.</summary>
    private static bool IsOperational(PathString path) => path.StartsWithSegments(MetricsPath) || path.StartsWithSegments("/health");
}
