using System.Text.Json;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>Quality-targeted encoding on an output (<c>target_vmaf</c>, <c>vmaf_measure</c>).</summary>
internal sealed partial class OutputMapper
{
    /// <summary><c>target_vmaf</c> (20–99) and <c>vmaf_measure</c> (samples, full): a CRF-capable codec, and no crf, bitrate or two-pass.</summary>
    private (double? Target, string? Measure) MapQualityTarget(JsonElement el, string codec, int? crf, string? bitrate, bool twoPass)
    {
        var P = $"{Root}.video";
        var target = fields.Number(el, "target_vmaf", P, InvalidOutput, 20, 99);
        var measure = fields.String(el, "vmaf_measure", P, InvalidOutput)?.Trim().ToLowerInvariant();
        if (measure is not null && measure is not ("samples" or "full"))
        {
            Errors.Add($"{P}.vmaf_measure", "Must be one of: samples, full.", InvalidOutput, measure, ["samples", "full"]);
        }

        if (target is null)
        {
            if (measure is not null)
            {
                Errors.Add($"{P}.vmaf_measure", "Applies with 'target_vmaf' only.", InvalidOutput);
            }

            return (null, null);
        }

        if (Media.Quality.CrfSearch.ScaleFor(codec) is null)
        {
            Errors.Add($"{P}.target_vmaf", $"A VMAF target needs a codec with a CRF mode: h264, h265, vp9 or av1 (not '{codec}').", InvalidOutput);
        }
        else if (crf is not null || bitrate is not null || twoPass)
        {
            Errors.Add($"{P}.target_vmaf", "A VMAF target chooses the CRF itself: drop 'crf', 'bitrate' and 'two_pass'.", InvalidOutput);
        }

        return (target, measure);
    }
}
