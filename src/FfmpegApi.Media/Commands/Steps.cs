using System.Globalization;

namespace FfmpegApi.Media.Commands;

/// <summary>Explicit stream selection: the first video and/or first audio stream, each optional (<c>?</c>).</summary>
public sealed record StreamMapStep(bool Video, bool Audio) : IOutputOptionStep
{
    /// <summary>What <c>-map</c> takes for video: the input's first video stream that is not a cover image (<c>V</c>), or a graph's output label.</summary>
    public string VideoSource { get; init; } = "0:V:0?";

    /// <summary>What <c>-map</c> takes for audio: the input's first audio stream, or a graph's output label.</summary>
    public string AudioSource { get; init; } = "0:a:0?";

    /// <summary>True when a subtitle track is mapped explicitly (then <c>-sn</c> must not be given).</summary>
    public bool KeepSubtitles { get; init; }

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
                yield return AudioSource;
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
            if (!KeepSubtitles)
            {
                yield return "-sn";
            }

            yield return "-dn";
        }
    }
}

/// <summary>Input seek (<c>-ss</c> before <c>-i</c>, frame-accurate when re-encoding) and output duration.</summary>
public sealed record TrimStep(double Start, double? Duration) : IInputOptionStep, IOutputOptionStep
{
    /// <summary>Seek on the output instead (accurate, decodes from the start): needed when inputs are joined first.</summary>
    public bool SeekOnOutput { get; init; }

    public IEnumerable<string> InputArguments => Start > 0 && !SeekOnOutput ? ["-ss", Seconds(Start)] : [];

    public IEnumerable<string> OutputArguments =>
        [.. Start > 0 && SeekOnOutput ? ["-ss", Seconds(Start)] : Array.Empty<string>(), .. Duration is { } d ? ["-t", Seconds(d)] : Array.Empty<string>()];

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
    /// <summary>The container's own muxer options, as argv pairs (<see cref="Specs.ContainerFormat.MuxerOptions"/>).</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    public IEnumerable<string> OutputArguments
    {
        get
        {
            if (Muxer is "mp4" or "mov" or "ipod")
            {
                return ["-movflags", "+faststart", .. Options, "-f", Muxer];
            }

            return [.. Options, "-f", Muxer];
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

/// <summary>
/// A subtitle file muxed as a track: its own input (seeked like the main one, read only by the subtitle demuxers),
/// mapped with the container's subtitle codec and a language tag.
/// </summary>
public sealed record SubtitleTrackStep(string File, double InputOffsetSeconds, string Codec, string? Language) : IExtraInputStep, IOutputOptionStep
{
    public string ExtraInput => File;

    public IEnumerable<string> ExtraInputOptions => InputOffsetSeconds > 0 ? ["-ss", TrimStep.Seconds(InputOffsetSeconds)] : [];

    public string FormatWhitelist => "srt,ass,webvtt";

    /// <summary>The subtitle input is the first extra input (number 1).</summary>
    public IEnumerable<string> OutputArguments =>
        Language is null
            ? ["-map", "1:s:0", "-c:s", Codec]
            : ["-map", "1:s:0", "-c:s", Codec, "-metadata:s:s:0", $"language={Language}"];
}

/// <summary>
/// Further inputs joined after the main one with the concat filter. Every part is normalized first (size with
/// letterboxing, square pixels, frame rate, 4:2:0; audio 48 kHz stereo float) because concat needs identical
/// parameters on every segment. Inputs 1…n are these files.
/// </summary>
public sealed record ConcatStep(IReadOnlyList<string> Files, int Width, int Height, double Fps) : ICommandStep
{
    /// <summary>The graph joining input 0 and the files into <c>[cv]</c> and/or <c>[ca]</c>.</summary>
    public string Graph(bool video, bool audio)
    {
        var parts = new List<string>();
        var joined = string.Empty;
        for (var i = 0; i <= Files.Count; i++)
        {
            if (video)
            {
                parts.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"[{i}:v:0]scale=w={Width}:h={Height}:force_original_aspect_ratio=decrease:flags=lanczos,pad=w={Width}:h={Height}:x=(ow-iw)/2:y=(oh-ih)/2,setsar=1,fps={Filtergraph.FilterEscaping.Number(Fps)},format=yuv420p[c{i}v]"));
                joined += $"[c{i}v]";
            }

            if (audio)
            {
                parts.Add($"[{i}:a:0]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[c{i}a]");
                joined += $"[c{i}a]";
            }
        }

        parts.Add($"{joined}concat=n={Files.Count + 1}:v={(video ? 1 : 0)}:a={(audio ? 1 : 0)}{(video ? "[cv]" : string.Empty)}{(audio ? "[ca]" : string.Empty)}");
        return string.Join(';', parts);
    }
}
