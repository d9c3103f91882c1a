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
        Submitted = _meter.CreateCounter<long>("ffmpegapi.jobs.submitted", description: "Jobs accepted, by kind, codec and output format");
        Finished = _meter.CreateCounter<long>("ffmpegapi.jobs.finished", description: "Jobs ended, by status, kind and codec");
        StartLatency = _meter.CreateHistogram<double>("ffmpegapi.jobs.start_latency", "ms", "Submit to ffmpeg process start");
        Duration = _meter.CreateHistogram<double>("ffmpegapi.jobs.duration", "s", "Run time of a job (claim to end)");
        EncodeSpeed = _meter.CreateHistogram<double>("ffmpegapi.jobs.encode_speed", "x", "Encode speed in x realtime");
        Accelerated = _meter.CreateCounter<long>("ffmpegapi.jobs.accelerated", description: "Conversion runs by how they used video hardware (acceleration: software, nvidia, intel, vaapi, fallback)");
        HardwareFallbacks = _meter.CreateCounter<long>("ffmpegapi.hardware.fallbacks", description: "Runs whose hardware path failed and were repeated in software, by vendor");
        UpscaledFrames = _meter.CreateCounter<long>("ffmpegapi.upscale.frames", description: "Frames upscaled by a model, by model and execution provider");
        UpscaleInference = _meter.CreateHistogram<double>(
            "ffmpegapi.upscale.inference_duration",
            "s",
            "Time of one model call (a batch of tiles), by model and execution provider",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        var sizes = new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] };
        ClaimBatch = _meter.CreateHistogram<int>("ffmpegapi.queue.claim_batch", "{job}", "Jobs taken by one claim of a worker (up to its free slots)", advice: sizes);
        CompletionGroups = _meter.CreateHistogram<int>("ffmpegapi.queue.completion_group", "{job}", "Completions written in one transaction (group commit)", advice: sizes);
    }

    public Histogram<int> ClaimBatch { get; }

    public Histogram<int> CompletionGroups { get; }

    public Counter<long> UpscaledFrames { get; }

    public Histogram<double> UpscaleInference { get; }

    public Counter<long> Accelerated { get; }

    public Counter<long> HardwareFallbacks { get; }

    public Counter<long> Submitted { get; }

    public Counter<long> Finished { get; }

    public Histogram<double> StartLatency { get; }

    public Histogram<double> Duration { get; }

    public Histogram<double> EncodeSpeed { get; }

    /// <summary>The <c>kind</c> (convert, stream, thumbnails, analyze) and <c>codec</c> tags of a job's counters.</summary>
    public static (string Kind, string Codec) Describe(Media.Specs.JobSpec spec)
    {
        var codec = spec is Media.Specs.ConvertSpec ? spec.Output.Video?.Codec ?? spec.Output.Audio?.Codec ?? "default" : "-";
        return (spec.Kind, codec);
    }

    /// <summary>Counts a job that ended (or went back to the queue) with <paramref name="status"/>.</summary>
    public void Ended(string status, (string Kind, string Codec)? job)
    {
        var tags = new System.Diagnostics.TagList { { "status", status }, { "kind", job?.Kind ?? "unknown" }, { "codec", job?.Codec ?? "unknown" } };
        Finished.Add(1, tags);
    }

    /// <summary>Records the size of a group of completions written together.</summary>
    public void CompletionGroup(int size) => CompletionGroups.Record(size);

    public void Dispose() => _meter.Dispose();
}
