using FfmpegApi.Media.Probe;

namespace FfmpegApi.Core.Jobs;

/// <summary>
/// A completed job's output as read back with ffprobe. Sizes are null when ffprobe cannot tell (Debian's ffmpeg 5.1
/// cannot decode animated WebP, so it reports 0×0).
/// </summary>
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
    /// <summary>SHA-256 of the published bytes (lowercase hex), computed at publish time.</summary>
    public string? Sha256 { get; init; }

    /// <summary>SHA-256 of a file, streamed.</summary>
    public static async Task<string> Sha256Of(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(file, cancellationToken));
    }

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
            video?.Width is > 0 ? video.Width : null,
            video?.Height is > 0 ? video.Height : null,
            video?.FrameRate,
            audio?.SampleRate,
            audio?.Channels);
    }
}

/// <summary>A job with several outputs: every output's read-back, in request order (the first is also <c>output</c>).</summary>
public sealed record ConvertResult(IReadOnlyList<OutputMetadata> Outputs)
{
    /// <summary>For <c>target_vmaf</c>: the search and the VMAF the output achieved.</summary>
    public QualityResult? Quality { get; init; }
}

/// <summary>
/// A quality-targeted encode: the target, the CRF chosen, the VMAF of the output (<see cref="MeasuredOn"/>: samples or
/// full), every trial (CRF → VMAF of the samples) and the sample windows (seconds of the trimmed input).
/// </summary>
public sealed record QualityResult(
    double TargetVmaf,
    double Crf,
    double? AchievedVmaf,
    string MeasuredOn,
    IReadOnlyList<Media.Quality.CrfTrial> Trials,
    IReadOnlyList<Media.Quality.SampleWindow> Samples);
