using FfmpegApi.Media.Probe;

namespace FfmpegApi.Media.Analysis;

/// <summary>
/// A file's facts as an analysis reports them: the original service's probe metrics (duration, resolution, bit rate,
/// codec) and every stream. <see cref="Resolution"/> is the shown size (rotation and pixel aspect applied).
/// </summary>
public sealed record MediaReport(
    string Format,
    double? DurationSeconds,
    long? SizeBytes,
    long? BitRate,
    string? Resolution,
    string? VideoCodec,
    string? AudioCodec,
    double? FrameRate,
    IReadOnlyList<MediaStreamReport> Streams)
{
    public static MediaReport From(MediaInfo info)
    {
        var video = info.FirstVideo;
        var shown = video?.DisplaySize;
        return new MediaReport(
            info.FormatName,
            info.DurationSeconds,
            info.SizeBytes,
            info.BitRate,
            shown is null ? null : $"{shown.Width}x{shown.Height}",
            video?.CodecName,
            info.FirstAudio?.CodecName,
            video?.FrameRate,
            [.. info.Streams.Select(s => new MediaStreamReport(s.Index, s.CodecType, s.CodecName, s.Width, s.Height, s.FrameRate, s.PixelFormat, s.SampleRate, s.Channels, s.DurationSeconds, s.IsAttachedPicture))]);
    }
}

/// <summary>One stream of a <see cref="MediaReport"/>.</summary>
public sealed record MediaStreamReport(
    int Index,
    string Type,
    string? Codec,
    int? Width,
    int? Height,
    double? FrameRate,
    string? PixelFormat,
    int? SampleRate,
    int? Channels,
    double? DurationSeconds,
    bool IsCover);
