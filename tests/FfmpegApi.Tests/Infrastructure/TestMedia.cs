using System.Globalization;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Process;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>Generates inputs with lavfi and reads outputs back with ffprobe.</summary>
public static class TestMedia
{
    public static async Task GenerateAsync(string path, double seconds, string size = "320x240", bool audio = true, string preset = "ultrafast")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var d = seconds.ToString(CultureInfo.InvariantCulture);
        List<string> args = ["-hide_banner", "-nostdin", "-y", "-f", "lavfi", "-i", $"testsrc2=size={size}:rate=25:duration={d}"];
        if (audio)
        {
            args.AddRange(["-f", "lavfi", "-i", $"sine=frequency=440:duration={d}", "-c:a", "aac", "-shortest"]);
        }

        args.AddRange(["-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p", path]);
        var result = await FfmpegProcess.CaptureAsync("ffmpeg", args, TimeSpan.FromSeconds(120), CancellationToken.None);
        result.Succeeded.ShouldBeTrue(string.Join('\n', result.StderrTail));
    }

    /// <summary>
    /// Runs ffmpeg quietly with <paramref name="args"/>, whose last entry is the output file (its folder is created),
    /// and asserts it succeeded (stderr in the message).
    /// </summary>
    public static async Task FfmpegAsync(params string[] args)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(args[^1])!);
        var result = await FfmpegProcess.CaptureAsync("ffmpeg", ["-hide_banner", "-nostdin", "-y", "-v", "error", .. args], TimeSpan.FromSeconds(60), CancellationToken.None);
        result.Succeeded.ShouldBeTrue(string.Join('\n', result.StderrTail));
    }

    /// <summary>
    /// A copy of <paramref name="source"/> at <paramref name="target"/> that players turn by <paramref name="degrees"/>:
    /// a phone's rotation is a display matrix, which ffmpeg sets from the rotate tag when it remuxes.
    /// </summary>
    public static Task RotatedCopyAsync(string source, string target, int degrees) =>
        FfmpegAsync("-i", source, "-c", "copy", "-metadata:s:v:0", $"rotate={degrees}", target);

    /// <summary>A one-colour PNG (a watermark for tests).</summary>
    public static async Task ImageAsync(string path, string color, int width, int height)
    {
        var result = await FfmpegProcess.CaptureAsync("ffmpeg", ["-hide_banner", "-nostdin", "-y", "-f", "lavfi", "-i", $"color=c={color}:size={width}x{height}", "-frames:v", "1", "-update", "1", path], TimeSpan.FromSeconds(30), CancellationToken.None);
        result.Succeeded.ShouldBeTrue(string.Join('\n', result.StderrTail));
    }

    /// <summary>One field of the first video stream as ffprobe prints it (e.g. pix_fmt, profile).</summary>
    public static async Task<string> StreamFieldAsync(string path, string field)
    {
        var result = await FfmpegProcess.CaptureAsync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", $"stream={field}", "-of", "default=nw=1:nk=1", path], TimeSpan.FromSeconds(30), CancellationToken.None);
        return result.Stdout.Trim();
    }

    /// <summary>An image's codec and size (plain ffprobe: the service's demuxer whitelist leaves out image2).</summary>
    public static async Task<(string Codec, int Width, int Height)> ImageAsync(string path)
    {
        var result = await FfmpegProcess.CaptureAsync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", path], TimeSpan.FromSeconds(30), CancellationToken.None);
        var parts = result.Stdout.Trim().Split(',');
        parts.Length.ShouldBe(3, $"ffprobe could not read {path}: {string.Join('\n', result.StderrTail)}");
        return (parts[0], int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    public static async Task<MediaInfo> ProbeAsync(string path)
    {
        var (info, error) = await TryProbeAsync(path);
        return info.ShouldNotBeNull($"ffprobe could not read {path}: {error}");
    }

    /// <summary>Plain ffprobe (any demuxer): tests read their own samples and the service's outputs. Null with ffprobe's last lines when unreadable.</summary>
    public static async Task<(MediaInfo? Info, string Error)> TryProbeAsync(string path)
    {
        var result = await FfmpegProcess.CaptureAsync("ffprobe", ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path], TimeSpan.FromSeconds(30), CancellationToken.None);
        return (FfprobeParser.Parse(result.Stdout), string.Join(" | ", result.StderrTail.TakeLast(3)));
    }
}
