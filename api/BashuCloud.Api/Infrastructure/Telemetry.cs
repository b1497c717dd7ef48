using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace BashuCloud.Api.Infrastructure;

public static class Telemetry
{
    /// <summary>ASP.NET Core, Orleans client and Npgsql traces and metrics; OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
    public static WebApplicationBuilder AddBashuTelemetry(this WebApplicationBuilder builder)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddNpgsql())
            .WithMetrics(metrics => metrics.AddMeter("Microsoft.Orleans", "Npgsql", "Microsoft.AspNetCore.Hosting"));
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) otel.UseOtlpExporter();
        return builder;
    }
}
