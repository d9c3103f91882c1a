namespace FfmpegApi.Media.Analysis;

/// <summary>
/// A quality comparison: the job's input is the distorted file, <see cref="Reference"/> the original.
/// <see cref="Metrics"/> holds lower-case names (<c>vmaf</c>, <c>psnr</c>, <c>ssim</c>).
/// </summary>
public sealed record AnalysisSpec(string Reference, IReadOnlyList<string> Metrics, int Subsample = 1, bool PerFrame = false)
{
    public static readonly string[] Known = ["vmaf", "psnr", "ssim"];
}

/// <summary>Pooled values of one metric over the compared frames.</summary>
public sealed record MetricSummary(double Mean, double Min, double Max, double HarmonicMean, int Frames);

/// <summary>How the distorted input was brought to the reference before comparing (null members: unchanged).</summary>
public sealed record Alignment(string? ScaledFrom, string? ScaledTo, double? FpsFrom, double? FpsTo);

/// <summary>The stored result of an analysis job.</summary>
public sealed record AnalysisResult(
    string Reference,
    IReadOnlyDictionary<string, MetricSummary> Metrics,
    Alignment? Aligned,
    string? VmafModel,
    IReadOnlyDictionary<string, IReadOnlyList<double>>? PerFrame);
