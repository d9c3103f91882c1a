using System.Globalization;
using System.Text.RegularExpressions;

namespace FfmpegApi.Media.Probe;

/// <summary>
/// One stream of ffmpeg's dump (<c>Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 1280x720 [SAR 1:1 DAR
/// 16:9], 25 fps, 25 tbr, 12800 tbn (default)</c>) as ffprobe would give it. Colour properties are not read (plans
/// that need them probe first).
/// </summary>
internal static partial class FfmpegStreamLine
{
    /// <summary>Channel layouts ffmpeg names (libavutil's channel_layout_map) → channels.</summary>
    private static readonly Dictionary<string, int> Layouts = new(StringComparer.Ordinal)
    {
        ["mono"] = 1,
        ["stereo"] = 2,
        ["2.1"] = 3,
        ["3.0"] = 3,
        ["3.0(back)"] = 3,
        ["4.0"] = 4,
        ["quad"] = 4,
        ["quad(side)"] = 4,
        ["3.1"] = 4,
        ["5.0"] = 5,
        ["5.0(side)"] = 5,
        ["4.1"] = 5,
        ["5.1"] = 6,
        ["5.1(side)"] = 6,
        ["6.0"] = 6,
        ["6.0(front)"] = 6,
        ["hexagonal"] = 6,
        ["6.1"] = 7,
        ["6.1(back)"] = 7,
        ["6.1(front)"] = 7,
        ["7.0"] = 7,
        ["7.0(front)"] = 7,
        ["7.1"] = 8,
        ["7.1(wide)"] = 8,
        ["7.1(wide-side)"] = 8,
        ["7.1(top)"] = 8,
        ["octagonal"] = 8,
        ["cube"] = 8,
        ["hexadecagonal"] = 16,
        ["downmix"] = 2,
        ["22.2"] = 24,
    };

    /// <summary>The stream, or null when a part of the line is not understood.</summary>
    public static StreamInfo? Parse(int index, string type, string rest)
    {
        var attached = rest.Contains("(attached pic)", StringComparison.Ordinal);
        var parts = SplitTopLevel(Disposition().Replace(rest, string.Empty));
        var codec = parts[0].Split(' ', 2)[0];
        var codecName = codec is "none" or "" ? null : codec;
        int? width = null, height = null, sampleRate = null, channels = null;
        double? fps = null, tbr = null;
        string? pixelFormat = null;
        Ratio? sar = null;
        for (var i = 1; i < parts.Count; i++)
        {
            var part = parts[i];
            if (Size().Match(part) is { Success: true } size)
            {
                width = int.Parse(size.Groups["w"].Value, CultureInfo.InvariantCulture);
                height = int.Parse(size.Groups["h"].Value, CultureInfo.InvariantCulture);
                sar = size.Groups["sn"].Success ? FfprobeParser.ParseRatio($"{size.Groups["sn"].Value}:{size.Groups["sd"].Value}") : null;
            }
            else if (Rate().Match(part) is { Success: true } rate)
            {
                var value = Number(rate.Groups["value"].Value, rate.Groups["k"].Success);
                if (rate.Groups["unit"].Value == "fps")
                {
                    fps = value;
                }
                else if (rate.Groups["unit"].Value == "tbr")
                {
                    tbr = value;
                }
            }
            else if (Hertz().Match(part) is { Success: true } hz)
            {
                sampleRate = int.Parse(hz.Groups["hz"].Value, CultureInfo.InvariantCulture);
            }
            else if (type == "audio" && sampleRate is not null && channels is null)
            {
                channels = Layouts.TryGetValue(part, out var known) ? known
                    : Channels().Match(part) is { Success: true } n ? int.Parse(n.Groups["n"].Value, CultureInfo.InvariantCulture)
                    : null;
                if (channels is null)
                {
                    return null;
                }
            }
            else if (type == "video" && i == 1 && PixelFormat().Match(part) is { Success: true } pix)
            {
                pixelFormat = pix.Groups["fmt"].Value;
            }
        }

        if ((type == "video" && width is null && codecName is not null && !attached) || (type == "audio" && (sampleRate is null || channels is null)))
        {
            return null;
        }

        return new StreamInfo(index, type, codecName, width, height, Snap(fps ?? tbr), sampleRate, channels, null, attached)
        {
            PixelFormat = pixelFormat,
            SampleAspectRatio = sar,
        };
    }

    /// <summary>
    /// ffmpeg prints rates to two decimals (23.98); ffprobe gives the exact ratio (24000/1001), rounded to three
    /// decimals. The NTSC family (n × 1000/1001) is restored; other rates are kept as printed.
    /// </summary>
    internal static double? Snap(double? printed)
    {
        if (printed is not { } v || v <= 0)
        {
            return null;
        }

        var n = Math.Round(v * 1.001);
        var ntsc = n * 1000 / 1001;
        return Math.Round(v % 1 != 0 && Math.Abs(ntsc - v) < 0.006 ? ntsc : v, 3);
    }

    private static double Number(string value, bool thousands) => double.Parse(value, CultureInfo.InvariantCulture) * (thousands ? 1000 : 1);

    /// <summary>Splits at the commas outside parentheses and brackets (<c>yuv420p(tv, bt709)</c> is one part).</summary>
    private static List<string> SplitTopLevel(string text)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(' or '[':
                    depth++;
                    break;
                case ')' or ']':
                    depth--;
                    break;
                case ',' when depth == 0:
                    parts.Add(text[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }

        parts.Add(text[start..].Trim());
        return parts;
    }

    [GeneratedRegex(@"( \((default|dub|original|comment|lyrics|karaoke|forced|hearing impaired|visual impaired|clean effects|attached pic|timed thumbnails|captions|descriptions|metadata|dependent|still image)\))+$")]
    private static partial Regex Disposition();

    [GeneratedRegex(@"^(?<w>\d+)x(?<h>\d+)( \[SAR (?<sn>\d+):(?<sd>\d+) DAR \d+:\d+\])?$")]
    private static partial Regex Size();

    [GeneratedRegex(@"^(?<value>\d+(\.\d+)?)(?<k>k)? (?<unit>fps|tbr|tbn|tbc)$")]
    private static partial Regex Rate();

    [GeneratedRegex(@"^(?<hz>\d+) Hz$")]
    private static partial Regex Hertz();

    [GeneratedRegex(@"^(?<n>\d+) channels")]
    private static partial Regex Channels();

    [GeneratedRegex(@"^(?<fmt>[a-z0-9_]+)(\(.*\))?$")]
    private static partial Regex PixelFormat();
}
