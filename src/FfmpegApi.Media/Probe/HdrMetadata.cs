using System.Globalization;
using System.Text.Json;
using FfmpegApi.Media.Commands;

namespace FfmpegApi.Media.Probe;

/// <summary>
/// HDR10 static metadata of a source: the mastering display (primaries, white point, luminance range, as
/// chromaticity x/y and cd/m²) and the content light levels (MaxCLL, MaxFALL). It usually travels in the first frame's
/// SEI, so it is read from the first decoded frame; ffmpeg 5.1 does not hand it to the encoders itself.
/// </summary>
public sealed record HdrMetadata(
    (double X, double Y) Red,
    (double X, double Y) Green,
    (double X, double Y) Blue,
    (double X, double Y) WhitePoint,
    double MaxLuminance,
    double MinLuminance)
{
    public int? MaxCll { get; init; }

    public int? MaxFall { get; init; }

    /// <summary>ffprobe's argv for the first video frame's side data.</summary>
    public static IReadOnlyList<string> Arguments(string path, string inputFormats) =>
        ["-v", "error", .. FfmpegCommand.InputOptions(path, inputFormats), "-select_streams", "v:0", "-read_intervals", "%+#1", "-show_frames", "-print_format", "json", FfmpegCommand.InputUrl(path)];

    /// <summary>The metadata in ffprobe's frame JSON, or null when the frame has no mastering display.</summary>
    public static HdrMetadata? Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (!document.RootElement.TryGetProperty("frames", out var frames) || frames.GetArrayLength() == 0
                || !frames[0].TryGetProperty("side_data_list", out var list))
            {
                return null;
            }

            var items = list.EnumerateArray().ToList();
            var display = items.FirstOrDefault(i => Text(i, "side_data_type") == "Mastering display metadata");
            if (display.ValueKind != JsonValueKind.Object || Rational(display, "max_luminance") is not { } max)
            {
                return null;
            }

            (double, double) Point(string name) => (Rational(display, name + "_x") ?? 0, Rational(display, name + "_y") ?? 0);
            var light = items.FirstOrDefault(i => Text(i, "side_data_type") == "Content light level metadata");
            return new HdrMetadata(Point("red"), Point("green"), Point("blue"), Point("white_point"), max, Rational(display, "min_luminance") ?? 0)
            {
                MaxCll = light.ValueKind == JsonValueKind.Object && light.TryGetProperty("max_content", out var c) && c.TryGetInt32(out var cll) ? cll : null,
                MaxFall = light.ValueKind == JsonValueKind.Object && light.TryGetProperty("max_average", out var a) && a.TryGetInt32(out var fall) ? fall : null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>For <c>-x265-params</c>: chromaticity in 0.00002 units, luminance in 0.0001 cd/m² (x265's HDR10 SEI).</summary>
    public string X265Params
    {
        get
        {
            static string P((double X, double Y) p) => Invariant($"({Math.Round(p.X * 50000)},{Math.Round(p.Y * 50000)})");
            var text = Invariant($"hdr10=1:master-display=G{P(Green)}B{P(Blue)}R{P(Red)}WP{P(WhitePoint)}L({Math.Round(MaxLuminance * 10000)},{Math.Round(MinLuminance * 10000)})");
            return MaxCll is { } cll ? Invariant($"{text}:max-cll={cll},{MaxFall ?? 0}") : text;
        }
    }

    /// <summary>For <c>-svtav1-params</c>: chromaticity and cd/m² as decimals.</summary>
    public string SvtAv1Params
    {
        get
        {
            static string P((double X, double Y) p) => Invariant($"({p.X:0.#####},{p.Y:0.#####})");
            var text = Invariant($"mastering-display=G{P(Green)}B{P(Blue)}R{P(Red)}WP{P(WhitePoint)}L({MaxLuminance:0.####},{MinLuminance:0.####})");
            return MaxCll is { } cll ? Invariant($"{text}:content-light={cll},{MaxFall ?? 0}") : text;
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? Rational(JsonElement element, string name)
    {
        var parts = Text(element, name)?.Split('/');
        return parts is [var n, var d] && double.TryParse(n, NumberStyles.Float, CultureInfo.InvariantCulture, out var num)
            && double.TryParse(d, NumberStyles.Float, CultureInfo.InvariantCulture, out var den) && den > 0
            ? num / den
            : null;
    }
}
