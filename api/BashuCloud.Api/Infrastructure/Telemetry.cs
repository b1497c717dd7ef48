using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace BashuCloud.Api.Infrastructure;

public static class Telemetry
{
    /// <summary>
    /// ASP.NET Core, Orleans and Npgsql metrics always; traces only when they go somewhere
    /// (OTEL_EXPORTER_OTLP_ENDPOINT): an always-sampled tracer with no exporter costs every request for nothing.
    /// </summary>
    public static WebApplicationBuilder AddBashuTelemetry(this WebApplicationBuilder builder)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter("Microsoft.Orleans", "Npgsql", "Microsoft.AspNetCore.Hosting"));
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) return builder;
        otel.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddNpgsql())
            .UseOtlpExporter();
        return builder;
    }
}
