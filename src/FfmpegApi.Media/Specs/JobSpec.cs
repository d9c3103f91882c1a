using System.Text.Json.Serialization;

namespace FfmpegApi.Media.Specs;

/// <summary>
/// A job's media work, validated and normalized: one closed family, one record per kind. Stored as JSON on the job
/// row with a <c>kind</c> discriminator, so the names here are part of the stored format: add kinds, never rename
/// them. How the job is queued and delivered (priority, time limit, attempts, webhook, credentials) is not here: see
/// <c>JobEnvelope</c> in Core.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(ConvertSpec), ConvertSpec.Name)]
[JsonDerivedType(typeof(StreamSpec), StreamSpec.Name)]
[JsonDerivedType(typeof(ThumbnailsSpec), ThumbnailsSpec.Name)]
[JsonDerivedType(typeof(AnalyzeSpec), AnalyzeSpec.Name)]
public abstract record JobSpec(string Input, OutputSpec Output)
{
    /// <summary>The kind's name: its discriminator, its metrics tag and the <c>kind</c> of a job's view.</summary>
    [JsonIgnore]
    public abstract string Kind { get; }

    /// <summary>What a worker must have to run it (the claim routes on these).</summary>
    [JsonIgnore]
    public abstract WorkerNeeds Needs { get; }

    /// <summary>How the progress bar is shared between the kind's phases.</summary>
    [JsonIgnore]
    public virtual ProgressShares Shares => ProgressShares.Whole;

    /// <summary><c>input.audio_track</c>: which of the input's audio streams to use, from 0; null: the first (optional).</summary>
    public int? AudioTrack { get; init; }

    /// <summary>Every output the job writes (a conversion may write several).</summary>
    [JsonIgnore]
    public virtual IReadOnlyList<OutputSpec> AllOutputs => [Output];
}

/// <summary>A conversion: operations in order, then one or more outputs written by the same ffmpeg run from one decode.</summary>
public sealed record ConvertSpec(string Input, OutputSpec Output, IReadOnlyList<OperationSpec> Operations) : JobSpec(Input, Output)
{
    public const string Name = "convert";

    [JsonIgnore]
    public override string Kind => Name;

    /// <summary>Outputs after the first (<c>outputs: [...]</c>), written by the same ffmpeg run from one decode.</summary>
    public IReadOnlyList<OutputSpec> ExtraOutputs { get; init; } = [];

    /// <summary><c>options.hardware_acceleration</c> (+ <c>hardware_device</c>); null: auto.</summary>
    public Hardware.HardwareRequest? Hardware { get; init; }

    /// <summary><see cref="JobSpec.Output"/> followed by <see cref="ExtraOutputs"/>.</summary>
    [JsonIgnore]
    public override IReadOnlyList<OutputSpec> AllOutputs => [Output, .. ExtraOutputs];

    [JsonIgnore]
    public override WorkerNeeds Needs => new(
        Vmaf: Output.Video?.TargetVmaf is not null,
        Upscale: Operations.Any(o => o is UpscaleOperation),
        UpscaleGpu: Operations.Any(o => o is UpscaleOperation { Device: UpscaleDevice.Gpu }),
        Device: Hardware?.Vendor);

    /// <summary>A quality target first searches a CRF on samples, then measures the result.</summary>
    [JsonIgnore]
    public override ProgressShares Shares => Output.Video?.TargetVmaf is null ? ProgressShares.Whole : ProgressShares.QualityTargeted;
}

/// <summary>An adaptive-streaming package (HLS/DASH): the output path is the package's master playlist or manifest.</summary>
public sealed record StreamSpec(string Input, OutputSpec Output, Streaming.StreamingSpec Streaming) : JobSpec(Input, Output)
{
    public const string Name = "stream";

    /// <summary>Share of the packaging progress given to the scrubbing-thumbnails track, when there is one.</summary>
    public const double ThumbnailTrackShare = 0.1;

    [JsonIgnore]
    public override string Kind => Name;

    [JsonIgnore]
    public override WorkerNeeds Needs => new(Vmaf: Streaming.TargetVmaf is not null);

    [JsonIgnore]
    public override ProgressShares Shares => Streaming.TargetVmaf is null ? ProgressShares.Whole : ProgressShares.QualityTargeted;

    /// <summary>The conversion a per-title search samples: the same input, no operations, one output.</summary>
    public ConvertSpec AsSampleSource() => new(Input, Output, []) { AudioTrack = AudioTrack };
}

/// <summary>Still images (and optionally sprite sheets with a storyboard) into the output's directory, or one image file.</summary>
public sealed record ThumbnailsSpec(string Input, OutputSpec Output, Thumbnails.ThumbnailSpec Thumbnails) : JobSpec(Input, Output)
{
    public const string Name = "thumbnails";

    [JsonIgnore]
    public override string Kind => Name;

    [JsonIgnore]
    public override WorkerNeeds Needs => WorkerNeeds.None;
}

/// <summary>Quality analysis: <see cref="JobSpec.Input"/> compared with the reference; the output is a JSON report.</summary>
public sealed record AnalyzeSpec(string Input, OutputSpec Output, Analysis.AnalysisSpec Analysis) : JobSpec(Input, Output)
{
    public const string Name = "analyze";

    [JsonIgnore]
    public override string Kind => Name;

    [JsonIgnore]
    public override WorkerNeeds Needs => new(Vmaf: Analysis.Metrics.Contains("vmaf", StringComparer.Ordinal));
}

/// <summary>What a job needs of a worker: VMAF, an upscale model (on a GPU), a video device of one vendor.</summary>
public sealed record WorkerNeeds(bool Vmaf = false, bool Upscale = false, bool UpscaleGpu = false, Hardware.HardwareVendor? Device = null)
{
    public static WorkerNeeds None { get; } = new();
}

/// <summary>
/// How a job's progress bar is shared: a search before the work (quality targets), the work itself, and a
/// measurement after it. The three add up to 1.
/// </summary>
public sealed record ProgressShares(double Search, double Work, double Verify)
{
    public static ProgressShares Whole { get; } = new(0, 1, 0);

    /// <summary>A CRF search on samples (35 %), the encode, then the achieved quality measured (10 %).</summary>
    public static ProgressShares QualityTargeted { get; } = new(0.35, 0.55, 0.1);
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
}

public sealed record AudioSpec(
    string Codec,
    string? Bitrate = null,
    int? Channels = null,
    int? SampleRate = null);
