namespace FfmpegApi.Media.Analysis;

/// <summary>
/// A quality comparison: the job's input is the distorted file, <see cref="Reference"/> the original.
/// <see cref="Metrics"/> holds lower-case names (<c>vmaf</c>, <c>psnr</c>, <c>ssim</c>). Without a reference (and
/// then without metrics) the analysis reports the input's facts alone, as the original service's analyze did.
/// </summary>
public sealed record AnalysisSpec(string? Reference, IReadOnlyList<string> Metrics, int Subsample = 1, bool PerFrame = false)
{
    public static readonly string[] Known = ["vmaf", "psnr", "ssim"];
}

/// <summary>Pooled values of one metric over the compared frames.</summary>
public sealed record MetricSummary(double Mean, double Min, double Max, double HarmonicMean, int Frames);

/// <summary>How the distorted input was brought to the reference before comparing (null members: unchanged).</summary>
public sealed record Alignment(string? ScaledFrom, string? ScaledTo, double? FpsFrom, double? FpsTo);

/// <summary>The stored result of an analysis job: the metrics against the reference (none without one) and the input's facts.</summary>
public sealed record AnalysisResult(
    string? Reference,
    IReadOnlyDictionary<string, MetricSummary> Metrics,
    Alignment? Aligned,
    string? VmafModel,
    IReadOnlyDictionary<string, IReadOnlyList<double>>? PerFrame)
{
    /// <summary>The input as ffprobe describes it (duration, resolution, bit rate, codecs, streams).</summary>
    public MediaReport? Media { get; init; }
}
