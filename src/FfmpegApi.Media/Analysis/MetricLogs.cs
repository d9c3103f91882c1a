using System.Globalization;
using System.Text.Json;

namespace FfmpegApi.Media.Analysis;

/// <summary>Parsers for the per-frame logs of ffmpeg's psnr/ssim filters and libvmaf's JSON log. Pure functions.</summary>
public static class MetricLogs
{
    /// <summary>Identical frames have infinite PSNR; they count as this many dB so the mean stays a number.</summary>
    public const double PsnrCeiling = 100;

    /// <summary>psnr <c>stats_file</c>: <c>n:1 mse_avg:… psnr_y:32.21 …</c> → luma PSNR per frame.</summary>
    public static IReadOnlyList<double> Psnr(string log) => Field(log, "psnr_y", PsnrCeiling);

    /// <summary>ssim <c>stats_file</c>: <c>n:1 Y:0.93 U:… All:…</c> → luma SSIM per frame.</summary>
    public static IReadOnlyList<double> Ssim(string log) => Field(log, "Y", 1);

    /// <summary>libvmaf 1.x JSON log (<c>frames[].metrics.vmaf</c>).</summary>
    public static IReadOnlyList<double> Vmaf(string json)
    {
        using var document = JsonDocument.Parse(json);
        var values = new List<double>();
        if (!document.RootElement.TryGetProperty("frames", out var frames))
        {
            return values;
        }

        foreach (var frame in frames.EnumerateArray())
        {
            if (frame.TryGetProperty("metrics", out var metrics) && metrics.TryGetProperty("vmaf", out var v) && v.TryGetDouble(out var value))
            {
                values.Add(value);
            }
        }

        return values;
    }

    /// <summary>Mean, min, max and the harmonic mean Netflix uses for VMAF (offset by 1 so zeros are allowed).</summary>
    public static MetricSummary? Pool(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var harmonic = (values.Count / values.Sum(v => 1 / (v + 1))) - 1;
        return new MetricSummary(Round(values.Average()), Round(values.Min()), Round(values.Max()), Round(harmonic), values.Count);
    }

    /// <summary>Every n-th value (n = 1 keeps all): bounds the per-frame series of long inputs.</summary>
    public static IReadOnlyList<double> Subsample(IReadOnlyList<double> values, int every) =>
        every <= 1 ? values : [.. values.Where((_, i) => i % every == 0)];

    private static double Round(double value) => Math.Round(value, 4);

    private static List<double> Field(string log, string key, double infinity)
    {
        var values = new List<double>();
        var prefix = key + ":";
        foreach (var line in log.Split('\n'))
        {
            foreach (var token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!token.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var text = token[prefix.Length..];
                if (text == "inf")
                {
                    values.Add(infinity);
                }
                else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    values.Add(value);
                }

                break;
            }
        }

        return values;
    }
}
