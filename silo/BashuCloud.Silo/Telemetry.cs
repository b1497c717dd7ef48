using Npgsql;
using OpenTelemetry;

namespace BashuCloud.Silo;

public static class Telemetry
{
    /// <summary>Orleans and Npgsql traces and metrics; exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
    public static HostApplicationBuilder AddBashuTelemetry(this HostApplicationBuilder builder)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Microsoft.Orleans.Storage")
                .AddNpgsql())
            .WithMetrics(metrics => metrics.AddMeter("Microsoft.Orleans", "Npgsql"));
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) otel.UseOtlpExporter();
        return builder;
    }
}
