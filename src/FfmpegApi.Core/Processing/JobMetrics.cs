using System.Diagnostics.Metrics;

namespace FfmpegApi.Core.Processing;

/// <summary>Job metrics (OpenTelemetry-compatible <see cref="Meter"/>; exported when an exporter is configured).</summary>
public sealed class JobMetrics : IDisposable
{
    public const string MeterName = "FfmpegApi.Jobs";

    private readonly Meter _meter;

    public JobMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        Submitted = _meter.CreateCounter<long>("ffmpegapi.jobs.submitted", description: "Jobs accepted");
        Finished = _meter.CreateCounter<long>("ffmpegapi.jobs.finished", description: "Jobs ended, tagged by status");
        StartLatency = _meter.CreateHistogram<double>("ffmpegapi.jobs.start_latency", "ms", "Submit to ffmpeg process start");
        Duration = _meter.CreateHistogram<double>("ffmpegapi.jobs.duration", "s", "Run time of a job (claim to end)");
        EncodeSpeed = _meter.CreateHistogram<double>("ffmpegapi.jobs.encode_speed", "x", "Encode speed in x realtime");
        Accelerated = _meter.CreateCounter<long>("ffmpegapi.jobs.accelerated", description: "Conversion runs by how they used video hardware (acceleration: software, nvidia, intel, vaapi, fallback)");
        HardwareFallbacks = _meter.CreateCounter<long>("ffmpegapi.hardware.fallbacks", description: "Runs whose hardware path failed and were repeated in software, by vendor");
    }

    public Counter<long> Accelerated { get; }

    public Counter<long> HardwareFallbacks { get; }

    public Counter<long> Submitted { get; }

    public Counter<long> Finished { get; }

    public Histogram<double> StartLatency { get; }

    public Histogram<double> Duration { get; }

    public Histogram<double> EncodeSpeed { get; }

    public void Dispose() => _meter.Dispose();
}
