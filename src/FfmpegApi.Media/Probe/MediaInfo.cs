namespace FfmpegApi.Media.Probe;

/// <summary>What ffprobe says about a file, reduced to what planning and the API need.</summary>
/// <remarks>Immutable: caches hand out the same instance.</remarks>
[System.ComponentModel.ImmutableObject(true)]
public sealed record MediaInfo(
    string FormatName,
    double? DurationSeconds,
    long? SizeBytes,
    long? BitRate,
    IReadOnlyList<StreamInfo> Streams)
{
    public StreamInfo? FirstVideo => Streams.FirstOrDefault(s => s.CodecType == "video" && !s.IsAttachedPicture);

    public StreamInfo? FirstAudio => Streams.FirstOrDefault(s => s.CodecType == "audio");

    public bool HasMedia => FirstVideo is not null || FirstAudio is not null;
}

public sealed record StreamInfo(
    int Index,
    string CodecType,
    string? CodecName,
    int? Width,
    int? Height,
    double? FrameRate,
    int? SampleRate,
    int? Channels,
    double? DurationSeconds,
    bool IsAttachedPicture)
{
    /// <summary>ffprobe's <c>pix_fmt</c> (e.g. <c>yuv420p10le</c>); hardware pipelines download 10-bit frames as P010.</summary>
    public string? PixelFormat { get; init; }
}
