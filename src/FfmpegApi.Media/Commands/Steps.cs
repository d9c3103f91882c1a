using System.Globalization;

namespace FfmpegApi.Media.Commands;

/// <summary>Explicit stream selection: the first video and/or first audio stream, each optional (<c>?</c>).</summary>
public sealed record StreamMapStep(bool Video, bool Audio) : IOutputOptionStep
{
    public IEnumerable<string> OutputArguments
    {
        get
        {
            if (Video)
            {
                yield return "-map";
                yield return "0:v:0?";
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

/// <summary>Scale; -2 keeps the aspect ratio with an even size (what H.264/H.265 need).</summary>
public sealed record ScaleStep(int Width, int Height) : IVideoFilterStep
{
    public string Filter => string.Create(CultureInfo.InvariantCulture, $"scale={Width}:{Height}:flags=lanczos");
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
