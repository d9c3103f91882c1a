namespace FfmpegApi.Media.Progress;

/// <summary>One <c>-progress</c> block from ffmpeg (emitted about twice a second and once at the end).</summary>
public sealed record ProgressUpdate(
    long? Frame,
    double? Fps,
    double? BitrateKbps,
    long? TotalSizeBytes,
    TimeSpan? OutTime,
    double? Speed,
    bool IsEnd);
