using System.ComponentModel.DataAnnotations;

namespace FfmpegApi.Core.Configuration;

/// <summary>
/// Section <c>Telemetry</c>: traces over OTLP (off unless an endpoint is set here or in the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>). Metrics are always served at <c>/metrics</c>.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>The <c>service.name</c> resource attribute of every span.</summary>
    [Required]
    [MaxLength(100)]
    public string ServiceName { get; set; } = "ffmpeg-api";

    public OtlpOptions Otlp { get; set; } = new();

    /// <summary>Share of new traces recorded (0–1); a request that arrives with a sampled traceparent is always recorded.</summary>
    [Range(0.0, 1.0)]
    public double SampleRatio { get; set; } = 1.0;

    /// <summary>Whether traces are exported: an endpoint here or in the environment.</summary>
    public bool TracesEnabled =>
        !string.IsNullOrWhiteSpace(Otlp.Endpoint) || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
}

/// <summary>Where spans go (an OpenTelemetry Collector, Tempo, Jaeger, …).</summary>
public sealed class OtlpOptions
{
    /// <summary>Why these settings are unusable (naming the setting), or null.</summary>
    public string? Problem() =>
        Endpoint is { Length: > 0 } && !(Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            ? "Telemetry:Otlp:Endpoint must be an absolute http(s) URL."
            : Protocol is not ("http/protobuf" or "grpc")
                ? "Telemetry:Otlp:Protocol must be 'http/protobuf' or 'grpc'."
                : ExportDelayMilliseconds is < 100 or > 60_000
                    ? "Telemetry:Otlp:ExportDelayMilliseconds must be 100 to 60000."
                    : null;

    /// <summary>The collector, e.g. <c>http://otel-collector:4318</c> (http/protobuf) or <c>http://otel-collector:4317</c> (grpc).</summary>
    public string? Endpoint { get; set; }

    /// <summary><c>http/protobuf</c> (default) or <c>grpc</c>.</summary>
    public string Protocol { get; set; } = "http/protobuf";

    /// <summary>Extra headers for the collector (<c>key=value,key2=value2</c>, e.g. an auth token). Never logged.</summary>
    public string? Headers { get; set; }

    /// <summary>How long spans wait in the batch before export.</summary>
    public int ExportDelayMilliseconds { get; set; } = 5000;
}
