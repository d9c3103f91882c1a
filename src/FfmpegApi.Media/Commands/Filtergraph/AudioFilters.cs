using System.Globalization;
using FfmpegApi.Media.Specs;
using static FfmpegApi.Media.Commands.Filtergraph.FilterEscaping;

namespace FfmpegApi.Media.Commands.Filtergraph;

/// <summary>
/// Audio half of a speed change. One atempo instance accepts 0.5–2 (ffmpeg 5.1), so larger changes chain
/// several; pitch is preserved.
/// </summary>
public sealed record AudioSpeedStep(double Factor) : IAudioFilterStep
{
    public string Filter
    {
        get
        {
            var parts = new List<string>();
            var rest = Factor;
            while (rest > 2)
            {
                parts.Add("atempo=2");
                rest /= 2;
            }

            while (rest < 0.5)
            {
                parts.Add("atempo=0.5");
                rest /= 0.5;
            }

            parts.Add($"atempo={Number(rest)}");
            return string.Join(',', parts);
        }
    }
}

public sealed record VolumeStep(double GainDb) : IAudioFilterStep
{
    public string Filter => $"volume={Number(GainDb)}dB";
}

public sealed record AudioFadeStep(FadeDirection Direction, double Start, double Duration) : IAudioFilterStep
{
    public string Filter => $"afade=t={(Direction == FadeDirection.In ? "in" : "out")}:st={Number(Start)}:d={Number(Duration)}";
}

/// <summary>
/// loudnorm. Without a measurement it runs single-pass (dynamic); with one (from <see cref="LoudnessMeasurement"/>)
/// it applies a linear gain that lands on target, as the two-pass recipe in the filter's docs describes.
/// </summary>
public sealed record LoudnormStep(NormalizeOperation Target, LoudnessMeasurement? Measured, bool PrintJson = false) : IAudioFilterStep
{
    /// <summary>
    /// loudnorm works (and outputs) at 192 kHz; this brings the audio back to a rate encoders take. aformat, not
    /// aresample: in ffmpeg 5.1 an explicit aresample after loudnorm fails to negotiate the channel layout.
    /// </summary>
    public int? ResampleTo { get; init; }

    public string Filter
    {
        get
        {
            var filter = $"loudnorm=I={Number(Target.IntegratedLufs)}:TP={Number(Target.TruePeakDb)}:LRA={Number(Target.LoudnessRange)}";
            if (Measured is { } m)
            {
                filter += $":measured_I={Number(m.InputI)}:measured_TP={Number(m.InputTp)}:measured_LRA={Number(m.InputLra)}:measured_thresh={Number(m.InputThresh)}:offset={Number(m.TargetOffset)}:linear=true";
            }

            if (PrintJson)
            {
                filter += ":print_format=json";
            }

            if (ResampleTo is { } rate)
            {
                filter += $",aformat=sample_rates={rate}";
            }

            return filter;
        }
    }
}

/// <summary>What loudnorm's first pass measured (its JSON block on stderr).</summary>
public sealed record LoudnessMeasurement(double InputI, double InputTp, double InputLra, double InputThresh, double TargetOffset)
{
    /// <summary>Finds loudnorm's JSON block in ffmpeg's stderr; null when absent or unreadable (e.g. silence gives -inf).</summary>
    public static LoudnessMeasurement? Parse(IEnumerable<string> stderr)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        var inBlock = false;
        foreach (var raw in stderr)
        {
            var line = raw.Trim();
            if (line.StartsWith("[Parsed_loudnorm", StringComparison.Ordinal))
            {
                inBlock = true;
                values.Clear();
                continue;
            }

            if (!inBlock)
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (line.StartsWith('"') && colon > 0)
            {
                var key = line[1..line.IndexOf('"', 1)];
                var text = line[(colon + 1)..].Trim().TrimEnd(',').Trim('"');
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
                {
                    values[key] = value;
                }
            }
        }

        return values.TryGetValue("input_i", out var i) && values.TryGetValue("input_tp", out var tp)
            && values.TryGetValue("input_lra", out var lra) && values.TryGetValue("input_thresh", out var thresh)
            && values.TryGetValue("target_offset", out var offset)
            ? new LoudnessMeasurement(i, tp, lra, thresh, offset)
            : null;
    }
}

/// <summary>
/// The channel layouts an audio encoder takes, as the last audio filter: ffmpeg then remaps or downmixes the source to
/// the nearest one (5.1(side) from AC-3 → 5.1 for Opus, 7.1 → stereo for MP3) and gives a layout to streams that
/// have only a channel count (TTA, Speex: "1 channels"), which the AAC and Opus encoders refuse otherwise.
/// </summary>
public sealed record AudioLayoutStep(string Layouts) : IAudioFilterStep
{
    /// <summary>Encoder → layouts it accepts (from each encoder's source: AAC's and the Vorbis-family lists are not
    /// declared to ffmpeg, so <c>ffmpeg -h encoder=</c> cannot tell them).</summary>
    // Stryker disable all : a table, pinned by golden files and the channel-layout conversion tests
    private static readonly Dictionary<string, string> Accepted = new(StringComparer.Ordinal)
    {
        ["aac"] = "mono|stereo|3.0|4.0|5.0|5.1|7.1",
        ["libfdk_aac"] = "mono|stereo|3.0|4.0|5.0|5.1|7.1",
        ["libopus"] = "mono|stereo|3.0|quad|5.0|5.1|6.1|7.1",
        ["libvorbis"] = "mono|stereo|3.0|quad|5.0|5.1|6.1|7.1",
        ["flac"] = "mono|stereo|3.0|quad|5.0|5.1|6.1|7.1",
        ["libmp3lame"] = "mono|stereo",
        ["mp2"] = "mono|stereo",
        ["mp2fixed"] = "mono|stereo",
        ["ac3"] = "mono|stereo|3.0|quad|4.0|5.0(side)|5.0|2.1|3.1|4.1|5.1(side)|5.1",
        ["eac3"] = "mono|stereo|3.0|quad|4.0|5.0(side)|5.0|2.1|3.1|4.1|5.1(side)|5.1",
        ["alac"] = "mono|stereo|3.0|4.0|5.0|5.1|6.1|7.1(wide)",
        ["wmav2"] = "mono|stereo",
        ["libtwolame"] = "mono|stereo",
        ["ac3_fixed"] = "mono|stereo|3.0|quad|4.0|5.0(side)|5.0|2.1|3.1|4.1|5.1(side)|5.1",
    };

    // Stryker restore all
    public string Filter => $"aformat=channel_layouts={Layouts}";

    /// <summary>The step for <paramref name="encoder"/>, or null when it takes any layout (PCM, copy).</summary>
    public static AudioLayoutStep? For(string encoder) => Accepted.TryGetValue(encoder, out var layouts) ? new(layouts) : null;
}
