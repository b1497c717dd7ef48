using BashuCloud.Telemetry;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace BashuCloud.Silo;

public static class Telemetry
{
    /// <summary>
    /// Metrics of Orleans, Npgsql, the runtime and our own, scraped from an optional Prometheus listener
    /// (Bashu:MetricsPort) and exported by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set. Traces only then: an
    /// always-sampled tracer with no exporter costs every grain call for nothing. Log lines carry the trace and span
    /// of the grain call that wrote them.
    /// </summary>
    public static HostApplicationBuilder AddBashuTelemetry(this HostApplicationBuilder builder)
    {
        var settings = SiloSettings.Load(builder.Configuration);
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("bashucloud-silo", serviceInstanceId: $"{settings.Region}-{settings.SiloPort}"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(TelemetryNames.CommonMeters);
                if (settings.MetricsPort > 0) metrics.AddPrometheusHttpListener(o => ListenEverywhere(o, settings.MetricsPort));
            });
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) return builder;
        builder.UseOrleans(silo => silo.AddActivityPropagation());
        otel.WithTracing(tracing => tracing
                .SetSampler(WorkRootedSampler.Instance)
                .AddSource(TelemetryNames.OrleansActivitySources)
                .AddSource(TelemetryNames.StorageActivitySource)
                .AddNpgsql())
            .WithLogging(configureBuilder: null, configureOptions: o => o.IncludeFormattedMessage = true)
            .UseOtlpExporter();
        return builder;
    }

    /// <summary>Kubernetes scrapes the pod's address, not loopback: the listener answers on every address of the host.</summary>
    private static void ListenEverywhere(OpenTelemetry.Exporter.PrometheusHttpListenerOptions options, int port)
    {
        options.Port = port;
        options.ConfigureHttpListener = (_, listener) =>
        {
            listener.Prefixes.Clear();
            listener.Prefixes.Add($"http://+:{port}/metrics/");
        };
    }
}
