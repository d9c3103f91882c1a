namespace FfmpegApi.Media.Specs;

/// <summary>What a client asked for, validated and normalized. Stored as JSON on the job row.</summary>
public sealed record JobSpec(
    string Input,
    OutputSpec Output,
    IReadOnlyList<OperationSpec> Operations,
    JobPriority Priority = JobPriority.Normal,
    int? TimeoutSeconds = null)
{
    /// <summary>Set for quality-analysis jobs: <see cref="Input"/> is compared with the reference, and the output is a JSON report.</summary>
    public Analysis.AnalysisSpec? Analysis { get; init; }

    /// <summary>Set for adaptive-streaming jobs: the output path is the package's master playlist or manifest.</summary>
    public Streaming.StreamingSpec? Streaming { get; init; }

    /// <summary>Set for thumbnail jobs: still images (and optionally sprite sheets) into the output's directory.</summary>
    public Thumbnails.ThumbnailSpec? Thumbnails { get; init; }

    /// <summary>Outputs after the first (<c>outputs: [...]</c>), written by the same ffmpeg run from one decode.</summary>
    public IReadOnlyList<OutputSpec> ExtraOutputs { get; init; } = [];

    /// <summary>Attempts the job gets when runs fail transiently (<c>options.max_attempts</c>); null: the server's default.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>Inline credentials of object inputs/outputs, sealed (Data Protection), by address; never shown.</summary>
    public IReadOnlyDictionary<string, string>? SealedCredentials { get; init; }

    /// <summary><c>options.input_access: stream</c>: ffmpeg reads object inputs through presigned URLs instead of staged copies.</summary>
    public bool StreamInput { get; init; }

    /// <summary><c>input.audio_track</c>: which of the input's audio streams to use, from 0; null: the first (optional).</summary>
    public int? AudioTrack { get; init; }

    /// <summary><c>options.hardware_acceleration</c> (+ <c>hardware_device</c>); null: auto.</summary>
    public Hardware.HardwareRequest? Hardware { get; init; }

    /// <summary>Where to report this job's events, besides the tenant's webhook subscriptions.</summary>
    public JobWebhook? Webhook { get; init; }

    /// <summary><see cref="Output"/> followed by <see cref="ExtraOutputs"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<OutputSpec> AllOutputs => [Output, .. ExtraOutputs];
}

public enum JobPriority
{
    Low = 0,
    Normal = 1,
    High = 2,
}

/// <summary>
/// A normalized output: a virtual path inside a storage mount, a container key from <see cref="FormatCatalog"/>,
/// and the encoders to use. A null <see cref="Video"/>/<see cref="Audio"/> means "drop that stream".
/// </summary>
public sealed record OutputSpec(string Path, string Format, VideoSpec? Video, AudioSpec? Audio);

/// <summary>Video encoding settings. <see cref="Codec"/> is a friendly codec key (h264, vp9, copy, …).</summary>
public sealed record VideoSpec(
    string Codec,
    string? Preset = null,
    int? Crf = null,
    string? Bitrate = null,
    int? Width = null,
    int? Height = null,
    double? Fps = null)
{
    /// <summary>Peak bitrate for VBV-constrained encodes (with <see cref="BufferSize"/>).</summary>
    public string? MaxRate { get; init; }

    public string? BufferSize { get; init; }

    public string? Tune { get; init; }

    public string? Profile { get; init; }

    public string? Level { get; init; }

    public string? PixelFormat { get; init; }

    /// <summary>Keyframe interval in frames (<c>-g</c>); with <see cref="KeyframeSeconds"/> the time form wins.</summary>
    public int? Gop { get; init; }

    /// <summary>A keyframe every N seconds (forced with <c>-force_key_frames</c>, aligned across renditions).</summary>
    public double? KeyframeSeconds { get; init; }

    /// <summary>Two passes for a bitrate target: an analysis pass, then the encode (progress weighted across both).</summary>
    public bool TwoPass { get; init; }

    /// <summary>
    /// Quality-targeted encoding: the worker searches the CRF whose VMAF against the source meets this (trial encodes
    /// of short samples), then encodes with it. Mutually exclusive with <see cref="Crf"/> and a bitrate target.
    /// </summary>
    public double? TargetVmaf { get; init; }

    /// <summary>Where the achieved VMAF is measured: <c>samples</c> (default) or <c>full</c> (the whole output).</summary>
    public string? VmafMeasure { get; init; }

    /// <summary>A fractional CRF chosen by the quality search (x264/x265 take 27.5); set by the worker, never by clients.</summary>
    public double? FineCrf { get; init; }
}

public sealed record AudioSpec(
    string Codec,
    string? Bitrate = null,
    int? Channels = null,
    int? SampleRate = null);

/// <summary>A per-job webhook (the original's <c>webhook_url</c> + <c>webhook_events</c>: progress, complete, error, …).</summary>
public sealed record JobWebhook(string Url, IReadOnlyList<string> Events);
