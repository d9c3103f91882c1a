using System.Globalization;

namespace FfmpegApi.Media.Commands;

/// <summary>Explicit stream selection: the first video and/or first audio stream, each optional (<c>?</c>).</summary>
public sealed record StreamMapStep(bool Video, bool Audio) : IOutputOptionStep
{
    /// <summary>What <c>-map</c> takes for video: the input's first video stream, or a graph's output label.</summary>
    public string VideoSource { get; init; } = "0:v:0?";

    public IEnumerable<string> OutputArguments
    {
        get
        {
            if (Video)
            {
                yield return "-map";
                yield return VideoSource;
            }

            if (Audio)
            {
                yield return "-map";
                yield return "0:a:0?";
            }

            if (!Video)
            {
                yield return "-vn";
            }

            if (!Audio)
            {
                yield return "-an";
            }

            // Subtitles/data streams are never carried implicitly.
            yield return "-sn";
            yield return "-dn";
        }
    }
}

/// <summary>Input seek (<c>-ss</c> before <c>-i</c>, frame-accurate when re-encoding) and output duration.</summary>
public sealed record TrimStep(double Start, double? Duration) : IInputOptionStep, IOutputOptionStep
{
    public IEnumerable<string> InputArguments => Start > 0 ? ["-ss", Seconds(Start)] : [];

    public IEnumerable<string> OutputArguments => Duration is { } d ? ["-t", Seconds(d)] : [];

    internal static string Seconds(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>Constant output frame rate.</summary>
public sealed record FrameRateStep(double Fps) : IOutputOptionStep
{
    public IEnumerable<string> OutputArguments => ["-r", Fps.ToString("0.###", CultureInfo.InvariantCulture)];
}

/// <summary>The muxer and its options (<c>-f</c>; <c>+faststart</c> for progressive MP4/MOV playback).</summary>
public sealed record MuxerStep(string Muxer) : IOutputOptionStep
{
    public IEnumerable<string> OutputArguments
    {
        get
        {
            if (Muxer is "mp4" or "mov" or "ipod")
            {
                return ["-movflags", "+faststart", "-f", Muxer];
            }

            return ["-f", Muxer];
        }
    }
}

/// <summary>A second input file; inputs are numbered in the order their steps were added.</summary>
public sealed record ExtraInputStep(string File) : IExtraInputStep
{
    public string ExtraInput => File;
}

/// <summary>
/// A complete <c>-filter_complex</c> graph whose labelled outputs all go to the null muxer (measurements write
/// their own log files). The command's output file is the last null sink.
/// </summary>
public sealed record ComplexGraphStep(string Graph, IReadOnlyList<string> Outputs) : IOutputOptionStep
{
    public IEnumerable<string> OutputArguments
    {
        get
        {
            yield return "-filter_complex";
            yield return Graph;
            for (var i = 0; i < Outputs.Count; i++)
            {
                yield return "-map";
                yield return Outputs[i];
                yield return "-f";
                yield return "null";
                if (i < Outputs.Count - 1)
                {
                    // Every output but the last needs its own (never opened) name; the command adds the last.
                    yield return "-";
                }
            }
        }
    }
}
