using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace QaBot.Server;

public enum TelemetryExporter { None, Console, Otlp }

public sealed class TelemetryOptions
{
    public const string Section = "QaBot:Telemetry";

    /// <summary>
    /// Where traces, metrics and logs go: nowhere by default (the console exporter writes every few seconds and would
    /// bury the log), Console or OTLP (collector, Aspire dashboard, Azure Monitor agent) by configuration.
    /// </summary>
    public TelemetryExporter Exporter { get; set; } = TelemetryExporter.None;

    /// <summary>OTLP endpoint, e.g. http://localhost:4317; the exporter's own default when unset.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>Share of requests traced (0–1). Writing every span to the console would cost more than the answer itself.</summary>
    [Range(0.0, 1.0)]
    public double TraceSampleRatio { get; set; } = 0.05;
}

public static class TelemetryExtensions
{
    /// <summary>
    /// OpenTelemetry traces and metrics for every QaBot step (ingest, retrieve, answer, chat model, channel sends: all
    /// sources and meters named "QaBot.*") plus ASP.NET Core and outgoing HTTP.
    /// </summary>
    public static WebApplicationBuilder AddQaBotTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddQaBotOptions<TelemetryOptions>(builder.Configuration, TelemetryOptions.Section);
        // The exporters are chosen while the services are composed, before the start-up check: a value of the wrong type
        // throws here, and Program reports it as one line like the check does.
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (options.Exporter == TelemetryExporter.None) return builder;
        if (options.OtlpEndpoint is { } endpoint && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
            throw new OptionsValidationException(TelemetryOptions.Section, typeof(TelemetryOptions),
                [$"{TelemetryOptions.Section}:OtlpEndpoint must be an absolute http(s) URL (e.g. http://localhost:4317), not '{endpoint}'."]);

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("qabot"))
            .WithTracing(t => t.AddSource("QaBot.*").AddAspNetCoreInstrumentation().AddHttpClientInstrumentation()
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio))))
            .WithMetrics(m => m.AddMeter("QaBot.*").AddAspNetCoreInstrumentation().AddHttpClientInstrumentation());
        if (options.Exporter == TelemetryExporter.Console)
        {
            otel.WithTracing(t => t.AddConsoleExporter()).WithMetrics(m => m.AddConsoleExporter());
        }
        else
        {
            otel.UseOtlpExporter(OpenTelemetry.Exporter.OtlpExportProtocol.Grpc, options.OtlpEndpoint ?? new Uri("http://localhost:4317"));
            builder.Logging.AddOpenTelemetry(l => l.IncludeScopes = true);
        }
        return builder;
    }
}
