using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Observability;
using FfmpegApi.Core.Processing;
using FfmpegApi.Media.Process;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FfmpegApi;

public static partial class AppHost
{
    /// <summary>
    /// Metrics for <c>/metrics</c> (always) and, when an OTLP endpoint is configured, traces: the HTTP request, the
    /// <c>job.run</c> it leads to (in whichever worker process) and every ffmpeg/ffprobe process under it.
    /// </summary>
    private static void AddTelemetry(WebApplicationBuilder builder, HostRole role)
    {
        builder.Services.AddBoundOptions(builder.Configuration, TelemetryOptions.Section, out TelemetryOptions telemetry).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TelemetryOptions>, OtlpSettingsCheck>();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(telemetry.ServiceName, serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}")
                .AddAttributes([new("ffmpegapi.role", role.ToString().ToLowerInvariant())]))
            .WithMetrics(metrics => metrics
                .AddMeter(JobMetrics.MeterName, Core.Webhooks.WebhookMetrics.MeterName, Core.Storage.Http.RemoteInputFetcher.MeterName, Core.Storage.Blobs.StorageMetrics.MeterName, Core.Caching.CacheMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter());
        if (!telemetry.TracesEnabled)
        {
            return;
        }

        otel.WithTracing(tracing => tracing
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(telemetry.SampleRatio)))
            .AddSource(Tracing.SourceName, MediaTracing.SourceName)
            .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments("/metrics"))
            .AddOtlpExporter(o => ConfigureExporter(o, telemetry.Otlp)));
    }

    private static void ConfigureExporter(OtlpExporterOptions exporter, OtlpOptions options)
    {
        exporter.Protocol = options.Protocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        if (!string.IsNullOrWhiteSpace(options.Endpoint))
        {
            // Set in code, the HTTP endpoint is used as given: name the traces path when only the collector was given.
            var endpoint = new Uri(options.Endpoint);
            exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "/" or ""
                ? new Uri(endpoint, "v1/traces")
                : endpoint;
        }

        if (!string.IsNullOrWhiteSpace(options.Headers))
        {
            exporter.Headers = options.Headers;
        }

        exporter.BatchExportProcessorOptions.ScheduledDelayMilliseconds = options.ExportDelayMilliseconds;
    }
}

/// <summary>The nested OTLP settings, checked with a message that names the setting.</summary>
internal sealed class OtlpSettingsCheck : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options) =>
        options.Otlp.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
