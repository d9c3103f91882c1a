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

    public static async Task<MediaInfo> ProbeAsync(string path)
    {
        var result = await FfmpegProcess.CaptureAsync("ffprobe", FfprobeParser.Arguments(path), TimeSpan.FromSeconds(30), CancellationToken.None);
        return FfprobeParser.Parse(result.Stdout).ShouldNotBeNull($"ffprobe could not read {path}");
    }
}
