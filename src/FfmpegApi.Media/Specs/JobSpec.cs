using System.Text.Json.Serialization;

namespace FfmpegApi.Media.Specs;

/// <summary>What a client asked for, validated and normalized. Stored as JSON on the job row.</summary>
public sealed record JobSpec(
    string Input,
    OutputSpec Output,
    IReadOnlyList<OperationSpec> Operations,
    JobPriority Priority = JobPriority.Normal,
    int? TimeoutSeconds = null);

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
    double? Fps = null);

public sealed record AudioSpec(
    string Codec,
    string? Bitrate = null,
    int? Channels = null,
    int? SampleRate = null);

[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TrimOperation), "trim")]
[JsonDerivedType(typeof(ScaleOperation), "scale")]
public abstract record OperationSpec;

/// <summary>Keep <see cref="Duration"/> seconds starting at <see cref="Start"/> (null duration: to the end).</summary>
public sealed record TrimOperation(double Start, double? Duration) : OperationSpec;

/// <summary>Scale to a size; a null side keeps the aspect ratio (rounded to an even number).</summary>
public sealed record ScaleOperation(int? Width, int? Height) : OperationSpec;
