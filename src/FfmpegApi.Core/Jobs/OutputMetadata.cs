using FfmpegApi.Media.Probe;

namespace FfmpegApi.Core.Jobs;

/// <summary>A completed job's output as read back with ffprobe.</summary>
public sealed record OutputMetadata(
    string Path,
    long SizeBytes,
    double? DurationSeconds,
    string Container,
    string? VideoCodec,
    string? AudioCodec,
    int? Width,
    int? Height,
    double? FrameRate,
    int? SampleRate,
    int? Channels)
{
    public static OutputMetadata From(string virtualPath, long size, MediaInfo info)
    {
        var video = info.FirstVideo;
        var audio = info.FirstAudio;
        return new OutputMetadata(
            virtualPath,
            size,
            info.DurationSeconds is { } d ? Math.Round(d, 3) : null,
            info.FormatName,
            video?.CodecName,
            audio?.CodecName,
            video?.Width,
            video?.Height,
            video?.FrameRate,
            audio?.SampleRate,
            audio?.Channels);
    }
}
