using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Commands.Filtergraph;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Process;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Tests;

/// <summary>A 2 s 320×240 clip with a 440 Hz tone and a 40×40 red PNG, generated once for the operation runs.</summary>
public sealed class OperationMedia : IAsyncLifetime
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("fa-ops-").FullName;

    public string Clip => Path.Combine(Dir, "clip.mp4");

    public string RedPng => Path.Combine(Dir, "red.png");

    /// <summary>One cue from 0.5 s to 1.0 s (source time), in a large white font.</summary>
    public string Srt => Path.Combine(Dir, "subs.srt");

    public MediaInfo ClipInfo { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2", "-f", "lavfi", "-i", "sine=frequency=440:duration=2:sample_rate=44100",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", Clip);
        await Ffmpeg("-f", "lavfi", "-i", "color=c=red:size=40x40:duration=1", "-frames:v", "1", RedPng);
        ClipInfo = await ProbeAsync(Clip);
        await File.WriteAllTextAsync(Srt, "1\n00:00:00,500 --> 00:00:01,000\nSUBTITLE it's [here]: 100%\n");
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Dir, recursive: true);
        return ValueTask.CompletedTask;
    }

    public static async Task Ffmpeg(params string[] args)
    {
        var result = await FfmpegProcess.CaptureAsync("ffmpeg", ["-hide_banner", "-nostdin", "-y", .. args], TimeSpan.FromSeconds(120), CancellationToken.None);
        result.Succeeded.ShouldBeTrue(string.Join('\n', result.StderrTail));
    }

    public static async Task<MediaInfo> ProbeAsync(string path)
    {
        var result = await FfmpegProcess.CaptureAsync("ffprobe", FfprobeParser.Arguments(path), TimeSpan.FromSeconds(30), CancellationToken.None);
        return FfprobeParser.Parse(result.Stdout).ShouldNotBeNull();
    }

    /// <summary>One frame at <paramref name="seconds"/> as packed RGB bytes.</summary>
    public async Task<(byte[] Rgb, int Width)> FrameAsync(string file, double seconds)
    {
        var info = await ProbeAsync(file);
        var raw = Path.Combine(Dir, Guid.NewGuid().ToString("N") + ".rgb");
        await Ffmpeg("-ss", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", file, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", raw);
        return (await File.ReadAllBytesAsync(raw), info.FirstVideo!.Width!.Value);
    }
}

/// <summary>Each operation family run by real ffmpeg on a generated clip; results read back with ffprobe and pixels.</summary>
public sealed class OperationRunTests(OperationMedia media) : IClassFixture<OperationMedia>
{
    private Task<(MediaInfo Info, string File, JobPlan Plan)> RunAsync(string format, VideoSpec? video, AudioSpec? audio, params OperationSpec[] operations) =>
        RunAsync(format, video, audio, [], operations);

    private async Task<(MediaInfo Info, string File, JobPlan Plan)> RunAsync(string format, VideoSpec? video, AudioSpec? audio, IReadOnlyList<MediaInfo> joined, params OperationSpec[] operations)
    {
        var output = Path.Combine(media.Dir, Guid.NewGuid().ToString("N"), "output." + format);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var spec = new ConvertSpec(media.Clip, new OutputSpec(output, format, video, audio), operations);
        var context = new PlanContext(media.Clip, output, _ => true) { ConcatInputs = joined };
        var plan = JobPlanner.Plan(spec, media.ClipInfo, context);
        var passes = new Queue<PlannedPass>(plan.Passes);
        while (passes.TryDequeue(out var pass))
        {
            var result = await FfmpegProcess.RunAsync(new FfmpegRunOptions("ffmpeg", pass.Command.ToArguments()), TestContext.Current.CancellationToken);
            result.Succeeded.ShouldBeTrue(string.Join('\n', result.StderrTail));
            if (pass.MeasuresLoudness)
            {
                var measured = LoudnessMeasurement.Parse(result.StderrTail).ShouldNotBeNull();
                plan = JobPlanner.Plan(spec, media.ClipInfo, context with { Loudness = measured });
                passes = new Queue<PlannedPass>(plan.Passes);
            }
        }

        return (await OperationMedia.ProbeAsync(output), output, plan);
    }

    private static (int R, int G, int B) Pixel((byte[] Rgb, int Width) frame, int x, int y)
    {
        var i = ((y * frame.Width) + x) * 3;
        return (frame.Rgb[i], frame.Rgb[i + 1], frame.Rgb[i + 2]);
    }

    [Fact]
    public async Task Geometry_operations_give_the_expected_sizes()
    {
        (await RunAsync("mp4", new VideoSpec("h264", "ultrafast"), null, new CropOperation(100, 80))).Info.FirstVideo!.Width.ShouldBe(100);
        var padded = (await RunAsync("mp4", new VideoSpec("h264", "ultrafast"), null, new PadOperation(400, 300, "blue"))).Info.FirstVideo!;
        (padded.Width, padded.Height).ShouldBe((400, 300));
        var rotated = (await RunAsync("mp4", new VideoSpec("h264", "ultrafast"), null, new RotateOperation(90))).Info.FirstVideo!;
        (rotated.Width, rotated.Height).ShouldBe((240, 320));
        var contained = (await RunAsync("mp4", new VideoSpec("h264", "ultrafast"), null, new ScaleOperation(200, 200))).Info.FirstVideo!;
        (contained.Width, contained.Height).ShouldBe((200, 150));
        var covered = (await RunAsync("mp4", new VideoSpec("h264", "ultrafast"), null, new ScaleOperation(200, 200, ScaleFit.Cover))).Info.FirstVideo!;
        (covered.Width, covered.Height).ShouldBe((200, 200));
        var noUpscale = (await RunAsync("mp4", new VideoSpec("h264", "ultrafast"), null, new ScaleOperation(1280, 720))).Info.FirstVideo!;
        (noUpscale.Width, noUpscale.Height).ShouldBe((320, 240));
        var upscaled = (await RunAsync("mp4", new VideoSpec("h264", "ultrafast"), null, new ScaleOperation(640, null, AllowUpscale: true))).Info.FirstVideo!;
        (upscaled.Width, upscaled.Height).ShouldBe((640, 480));
    }

    [Fact]
    public async Task Pad_colour_and_flip_land_where_expected()
    {
        var (_, file, _) = await RunAsync("mp4", new VideoSpec("h264", "ultrafast", Crf: 10), null, new PadOperation(400, 240, "#0000ff", 0, 0));
        var frame = await media.FrameAsync(file, 0.5);
        var (r, g, b) = Pixel(frame, 390, 120);
        b.ShouldBeGreaterThan(200);
        (r + g).ShouldBeLessThan(60);
    }

    [Fact]
    public async Task Speed_halves_duration_for_video_and_audio_and_fps_changes_the_rate()
    {
        var (info, _, plan) = await RunAsync("mp4", new VideoSpec("h264", "ultrafast"), new AudioSpec("aac"), new SpeedOperation(2));
        plan.ExpectedDurationSeconds.ShouldBe(1);
        info.FirstVideo!.DurationSeconds!.Value.ShouldBe(1, 0.1);
        info.FirstAudio!.DurationSeconds!.Value.ShouldBe(1, 0.1);
        var slowTrim = await RunAsync("mp4", new VideoSpec("h264", "ultrafast"), new AudioSpec("aac"), new TrimOperation(0.5, 1), new SpeedOperation(0.5));
        slowTrim.Info.DurationSeconds!.Value.ShouldBe(2, 0.15);
        (await RunAsync("mp4", new VideoSpec("h264", "ultrafast"), null, new FpsOperation(10))).Info.FirstVideo!.FrameRate.ShouldBe(10);
    }

    [Fact]
    public async Task Watermark_sits_in_its_corner_with_its_opacity()
    {
        var (_, file, _) = await RunAsync("mp4", new VideoSpec("h264", "ultrafast", Crf: 10), null, new WatermarkOperation(media.RedPng, OverlayPosition.TopLeft, 0, 1, null));
        var frame = await media.FrameAsync(file, 1);
        var (r, g, b) = Pixel(frame, 20, 20);
        r.ShouldBeGreaterThan(200);
        (g + b).ShouldBeLessThan(80);
        var outside = Pixel(frame, 60, 60);
        (outside.G + outside.B).ShouldBeGreaterThan(80, "outside the watermark the test pattern shows");

        var (_, scaled, _) = await RunAsync("mp4", new VideoSpec("h264", "ultrafast", Crf: 10), null, new WatermarkOperation(media.RedPng, OverlayPosition.BottomRight, 0, 0.5, 0.5));
        var half = await media.FrameAsync(scaled, 1);
        var corner = Pixel(half, 300, 220);
        corner.R.ShouldBeGreaterThan(100, "half-opacity red over the pattern");
        var edge = Pixel(half, 170, 130);
        edge.R.ShouldBeGreaterThan(100, "scaled to half the width (160 px), the watermark starts at x=160");
    }

    [Fact]
    public async Task Text_with_filter_syntax_in_it_is_drawn_not_parsed()
    {
        var (info, _, _) = await RunAsync("mp4", new VideoSpec("h264", "ultrafast"), null, new TextOperation("it's 50%: a,b;[c] \\ %{pts} [0:v]drawbox", Start: 0.2, End: 1.5));
        info.FirstVideo!.Width.ShouldBe(320);
        info.DurationSeconds!.Value.ShouldBe(2, 0.1);
    }

    [Fact]
    public async Task Picture_filters_run_and_grayscale_has_neutral_colour()
    {
        var (_, file, _) = await RunAsync(
            "mp4",
            new VideoSpec("h264", "ultrafast", Crf: 10),
            null,
            new DeinterlaceOperation(),
            new DenoiseOperation(FilterStrength.Strong),
            new SharpenOperation(1),
            new ColorOperation(0.05, 1.1, 1.2, 1.0),
            new BlurOperation(1.5),
            new HueOperation(45, 1.2),
            new StabilizeOperation(FilterStrength.Light),
            new GrayscaleOperation());
        var frame = await media.FrameAsync(file, 1);
        for (var x = 10; x < 320; x += 50)
        {
            var (r, g, b) = Pixel(frame, x, 100);
            Math.Abs(r - g).ShouldBeLessThan(12);
            Math.Abs(g - b).ShouldBeLessThan(12);
        }
    }

    [Fact]
    public async Task Fades_start_from_and_end_in_black()
    {
        var (_, file, _) = await RunAsync("mp4", new VideoSpec("h264", "ultrafast", Crf: 10), new AudioSpec("aac"), new FadeOperation(FadeDirection.In, 0.5), new FadeOperation(FadeDirection.Out, 0.5));
        var first = await media.FrameAsync(file, 0);
        var last = await media.FrameAsync(file, 1.96);
        var middle = await media.FrameAsync(file, 1);
        first.Rgb.Average(v => v).ShouldBeLessThan(20);
        last.Rgb.Average(v => v).ShouldBeLessThan(30);
        middle.Rgb.Average(v => v).ShouldBeGreaterThan(60);
    }

    [Fact]
    public async Task Two_pass_loudness_normalisation_lands_on_target()
    {
        var (info, file, plan) = await RunAsync("m4a", null, new AudioSpec("aac", "128k"), new VolumeOperation(-20), new NormalizeOperation(-16, -1.5, 11));
        plan.Passes.ShouldHaveSingleItem().Weight.ShouldBe(0.8, 1e-9);
        info.FirstAudio!.SampleRate.ShouldBe(44100);
        var check = await FfmpegProcess.CaptureAsync("ffmpeg", ["-hide_banner", "-nostdin", "-i", file, "-af", "loudnorm=print_format=json", "-f", "null", "-"], TimeSpan.FromSeconds(60), CancellationToken.None);
        LoudnessMeasurement.Parse(check.StderrTail)!.InputI.ShouldBe(-16, 1.5);
    }

    [Fact]
    public async Task Two_pass_bitrate_encode_hits_its_target()
    {
        var (info, _, plan) = await RunAsync("mp4", new VideoSpec("h264", "ultrafast", Bitrate: "300k") { TwoPass = true }, null);
        plan.Passes.Count.ShouldBe(2);
        info.FirstVideo!.CodecName.ShouldBe("h264");
        info.BitRate!.Value.ShouldBeInRange(150_000, 450_000);
    }

    [Fact]
    public async Task Animated_gif_and_webp()
    {
        var (gif, gifFile, _) = await RunAsync("gif", new VideoSpec("gif", Fps: 10), null, new TrimOperation(0, 1), new ScaleOperation(160, null));
        gif.FirstVideo!.CodecName.ShouldBe("gif");
        gif.FirstVideo.Width.ShouldBe(160);
        gif.FirstAudio.ShouldBeNull();
        var frames = await FfmpegProcess.CaptureAsync("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", gifFile], TimeSpan.FromSeconds(30), CancellationToken.None);
        int.Parse(frames.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture).ShouldBe(10);

        var (_, webpFile, _) = await RunAsync("webp", new VideoSpec("webp", Crf: 30), null, new TrimOperation(0, 0.5), new ScaleOperation(160, null));
        var bytes = await File.ReadAllBytesAsync(webpFile);
        System.Text.Encoding.ASCII.GetString(bytes, 0, 4).ShouldBe("RIFF");
        System.Text.Encoding.ASCII.GetString(bytes, 8, 4).ShouldBe("WEBP");
        System.Text.Encoding.ASCII.GetString(bytes).ShouldContain("ANIM", customMessage: "an animated WebP");
        (System.Text.Encoding.ASCII.GetString(bytes).Split("ANMF").Length - 1).ShouldBeInRange(12, 13, "one ANMF chunk per frame: 0.5 s at 25 fps");
    }

    [Fact]
    public async Task Burned_subtitles_follow_the_source_times_after_a_trim()
    {
        // Trimmed at 0.3 s: the cue (0.5–1.0 s in the source) shows at 0.2–0.7 s of the output, not at 0.5–1.0 s.
        var (_, plain, _) = await RunAsync("mp4", new VideoSpec("h264", "ultrafast", Crf: 10), null, new TrimOperation(0.3, 1.2));
        var (_, burned, _) = await RunAsync("mp4", new VideoSpec("h264", "ultrafast", Crf: 10), null, new TrimOperation(0.3, 1.2), new SubtitlesOperation(media.Srt));
        static double Difference((byte[] Rgb, int Width) a, (byte[] Rgb, int Width) b) =>
            a.Rgb.Zip(b.Rgb).Skip(a.Rgb.Length * 2 / 3).Average(p => Math.Abs(p.First - p.Second));
        Difference(await media.FrameAsync(plain, 0.4), await media.FrameAsync(burned, 0.4)).ShouldBeGreaterThan(1.5, "the cue is on screen 0.4 s into the output");
        Difference(await media.FrameAsync(plain, 0.9), await media.FrameAsync(burned, 0.9)).ShouldBeLessThan(1.0, "and gone by 0.9 s");
    }

    [Theory]
    [InlineData("mp4", "mov_text")]
    [InlineData("mkv", "subrip")]
    [InlineData("webm", "webvtt")]
    public async Task Soft_subtitles_become_a_track(string format, string codec)
    {
        var video = format == "webm" ? new VideoSpec("vp9", "ultrafast", Crf: 50) : new VideoSpec("copy");
        var (info, _, _) = await RunAsync(format, video, null, new SubtitlesOperation(media.Srt, SubtitleMode.Soft, "eng"));
        var track = info.Streams.Where(s => s.CodecType == "subtitle").ShouldHaveSingleItem();
        track.CodecName.ShouldBe(codec);
    }

    [Fact]
    public async Task Concat_joins_differing_inputs_at_the_first_ones_size()
    {
        var small = Path.Combine(media.Dir, "small.mkv");
        await OperationMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x160:rate=30:duration=1", "-f", "lavfi", "-i", "sine=frequency=880:duration=1:sample_rate=22050", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "flac", "-shortest", small);
        var smallInfo = await OperationMedia.ProbeAsync(small);
        var (info, _, plan) = await RunAsync("mp4", new VideoSpec("h264", "ultrafast"), new AudioSpec("aac"), [smallInfo, media.ClipInfo], new ConcatOperation([small, media.Clip]), new VolumeOperation(-2));
        plan.ExpectedDurationSeconds!.Value.ShouldBe(5, 0.05);
        info.DurationSeconds!.Value.ShouldBe(5, 0.15);
        (info.FirstVideo!.Width, info.FirstVideo.Height).ShouldBe((320, 240));
        info.FirstAudio!.SampleRate.ShouldBe(48000);

        var (trimmed, _, _) = await RunAsync("mp4", new VideoSpec("h264", "ultrafast"), new AudioSpec("aac"), [smallInfo], new ConcatOperation([small]), new TrimOperation(1.5, 1));
        trimmed.DurationSeconds!.Value.ShouldBe(1, 0.1);

        var silent = Path.Combine(media.Dir, "silent.mp4");
        await OperationMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=1", "-c:v", "libx264", "-preset", "ultrafast", silent);
        var silentInfo = await OperationMedia.ProbeAsync(silent);
        Should.Throw<PlanningException>(() => JobPlanner.Plan(new ConvertSpec(media.Clip, new OutputSpec("/o.mp4", "mp4", new VideoSpec("h264"), new AudioSpec("aac")), [new ConcatOperation([silent])]), media.ClipInfo, new PlanContext(media.Clip, "/o.mp4", _ => true) { ConcatInputs = [silentInfo] }))
            .Message.ShouldContain("audio stream");
        var (videoOnly, _, _) = await RunAsync("mp4", new VideoSpec("h264", "ultrafast"), null, [silentInfo], new ConcatOperation([silent]));
        videoOnly.DurationSeconds!.Value.ShouldBe(3, 0.1);
    }
}
