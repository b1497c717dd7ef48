using Npgsql;
using OpenTelemetry;

namespace BashuCloud.Silo;

public static class Telemetry
{
    /// <summary>
    /// Orleans and Npgsql metrics always; traces only when they go somewhere (OTEL_EXPORTER_OTLP_ENDPOINT):
    /// an always-sampled tracer with no exporter costs every grain call for nothing.
    /// </summary>
    public static HostApplicationBuilder AddBashuTelemetry(this HostApplicationBuilder builder)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter("Microsoft.Orleans", "Npgsql"));
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) return builder;
        otel.WithTracing(tracing => tracing
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Microsoft.Orleans.Storage")
                .AddNpgsql())
            .UseOtlpExporter();
        return builder;
    }
}
