using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Process;

namespace FfmpegApi.Media.Tests;

/// <summary>
/// ffmpeg's description of its input on stderr, read by <see cref="FfmpegHeader"/>, gives what ffprobe gives for the same
/// file: for every container of the catalog that ffmpeg writes, and the shapes real files have (a phone's rotation, DV's
/// anamorphic pixels, a music file's cover, 5.1 and several audio tracks, subtitles, NTSC rates, no duration).
/// </summary>
public sealed class FfmpegHeaderTests
{
    private static readonly string Dir = Directory.CreateTempSubdirectory("fa-header-").FullName;

    private const string Video = "testsrc2=size=320x240:rate=25:duration=1";
    private const string Audio = "sine=duration=1:sample_rate=48000";

    public static TheoryData<string, string[]> Files() => new()
    {
        { "plain.mp4", ["-f", "lavfi", "-i", Video, "-f", "lavfi", "-i", Audio, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"] },
        { "rotated.mp4", ["-f", "lavfi", "-i", Video, "-c:v", "libx264", "-preset", "ultrafast", "-metadata:s:v", "rotate=90"] },
        { "anamorphic.mkv", ["-f", "lavfi", "-i", "testsrc2=size=720x576:rate=25:duration=1", "-vf", "setsar=16/15", "-c:v", "libx264", "-preset", "ultrafast"] },
        { "ntsc.mov", ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30000/1001:duration=1", "-c:v", "libx264", "-preset", "ultrafast"] },
        { "film.mp4", ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=24000/1001:duration=1", "-c:v", "libx264", "-preset", "ultrafast"] },
        { "surround.mkv", ["-f", "lavfi", "-i", "sine=duration=1:sample_rate=48000", "-af", "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0", "-c:a", "ac3"] },
        { "tracks.mkv", ["-f", "lavfi", "-i", Video, "-f", "lavfi", "-i", Audio, "-f", "lavfi", "-i", "sine=duration=1:frequency=880", "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "libopus"] },
        { "subtitled.mkv", ["-f", "lavfi", "-i", Video, "-f", "srt", "-i", "SUBS", "-map", "0", "-map", "1", "-c:v", "libx264", "-preset", "ultrafast", "-c:s", "srt"] },
        { "cover.mp3", ["-f", "lavfi", "-i", Audio, "-f", "lavfi", "-i", "color=red:size=64x64:duration=0.04", "-map", "0", "-map", "1", "-c:a", "libmp3lame", "-c:v", "mjpeg", "-frames:v", "1", "-disposition:v", "attached_pic"] },
        { "stream.ts", ["-f", "lavfi", "-i", Video, "-f", "lavfi", "-i", Audio, "-c:v", "mpeg2video", "-c:a", "mp2"] },
        { "old.avi", ["-f", "lavfi", "-i", Video, "-f", "lavfi", "-i", Audio, "-c:v", "mpeg4", "-c:a", "pcm_s16le"] },
        { "web.webm", ["-f", "lavfi", "-i", Video, "-f", "lavfi", "-i", Audio, "-c:v", "libvpx-vp9", "-deadline", "realtime", "-c:a", "libopus"] },
        { "music.flac", ["-f", "lavfi", "-i", "sine=duration=1:sample_rate=44100", "-ac", "2"] },
        { "raw.wav", ["-f", "lavfi", "-i", "sine=duration=1:sample_rate=8000"] },
        { "broadcast.mxf", ["-f", "lavfi", "-i", Video, "-f", "lavfi", "-i", Audio, "-c:v", "mpeg2video", "-c:a", "pcm_s16le"] },
        { "archive.mkv", ["-f", "lavfi", "-i", Video, "-c:v", "ffv1"] },
        { "animated.gif", ["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=1"] },
        { "still.png", ["-f", "lavfi", "-i", "testsrc2=size=64x48:duration=1", "-frames:v", "1"] },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task The_input_description_gives_what_ffprobe_gives(string name, string[] make)
    {
        var file = Path.Combine(Dir, name);
        var subs = Path.Combine(Dir, "subtitles.srt");
        if (make.Contains("SUBS"))
        {
            await File.WriteAllTextAsync(subs, "1\n00:00:00,000 --> 00:00:00,500\nhello\n", TestContext.Current.CancellationToken);
        }

        var made = await FfmpegProcess.CaptureAsync("ffmpeg", ["-hide_banner", "-nostdin", "-y", .. make.Select(a => a == "SUBS" ? subs : a), file], TimeSpan.FromSeconds(60), CancellationToken.None);
        made.Succeeded.ShouldBeTrue(made.LastError);

        var header = new FfmpegHeader();
        MediaInfo? raised = null;
        header.InputRead += (index, info) => raised = index == 0 ? info : raised;
        var read = await FfmpegProcess.RunAsync(new FfmpegRunOptions("ffmpeg", ["-hide_banner", "-nostdin", "-nostats", "-i", "file:" + file, "-f", "null", "-"]) { OnStderrLine = header.Add }, CancellationToken.None);
        header.Complete();
        read.Succeeded.ShouldBeTrue(read.LastError);

        var probe = FfprobeParser.Parse((await FfmpegProcess.CaptureAsync("ffprobe", FfprobeParser.Arguments(file), TimeSpan.FromSeconds(30), CancellationToken.None)).Stdout).ShouldNotBeNull();
        var described = header.Input(0).ShouldNotBeNull($"{name}: the description was not understood");
        raised.ShouldNotBeNull().Streams.ShouldBe(described.Streams, "the event carries the same facts");
        described.FormatName.ShouldBe(probe.FormatName, name);
        if (probe.DurationSeconds is { } seconds)
        {
            // ffmpeg prints centiseconds, cut (not rounded).
            described.DurationSeconds.ShouldNotBeNull(name).ShouldBe(seconds, 0.0101, name);
        }

        described.Streams.Select(s => (s.Index, s.CodecType, s.CodecName)).ShouldBe(probe.Streams.Select(s => (s.Index, s.CodecType, s.CodecName)), name);
        foreach (var (mine, theirs) in described.Streams.Zip(probe.Streams))
        {
            (mine.Width, mine.Height, mine.SampleAspectRatio, mine.Rotation, mine.IsAttachedPicture).ShouldBe((theirs.Width, theirs.Height, theirs.SampleAspectRatio, theirs.Rotation, theirs.IsAttachedPicture), $"{name} #{mine.Index}");
            (mine.SampleRate, mine.Channels, mine.PixelFormat).ShouldBe((theirs.SampleRate, theirs.Channels, theirs.PixelFormat), $"{name} #{mine.Index}");
            if (theirs.CodecType == "video" && !theirs.IsAttachedPicture && name != "still.png")
            {
                mine.FrameRate.ShouldBe(theirs.FrameRate, $"{name} #{mine.Index}");
            }
        }

        described.FirstVideo?.DisplaySize.ShouldBe(probe.FirstVideo?.DisplaySize, name);
    }

    [Fact]
    public void Unknown_shapes_are_reported_as_unknown_not_guessed()
    {
        var header = new FfmpegHeader();
        foreach (var line in new[]
        {
            "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/x.mp4':",
            "  Duration: 00:00:01.00, start: 0.000000, bitrate: 816 kb/s",
            "  Stream #0:0[0x1](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, some future layout, fltp, 70 kb/s (default)",
            "Stream mapping:",
        })
        {
            header.Add(line);
        }

        header.Opened(0).ShouldBeTrue();
        header.Input(0).ShouldBeNull("a channel layout this reader does not know makes the file unknown");
        FfmpegStreamLine.Snap(23.98).ShouldBe(23.976);
        FfmpegStreamLine.Snap(29.97).ShouldBe(29.97);
        FfmpegStreamLine.Snap(12.5).ShouldBe(12.5);
        FfmpegStreamLine.Snap(25).ShouldBe(25);
    }
}
