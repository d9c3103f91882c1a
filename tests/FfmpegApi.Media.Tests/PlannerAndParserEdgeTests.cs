using System.Diagnostics;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Process;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Tests;

public sealed class PlannerEdgeTests
{
    private static readonly MediaInfo Both = FfprobeParser.Parse(TestFiles.Read("ffprobe/h264-aac.json"))!;

    private static ConvertSpec Spec(VideoSpec? video, AudioSpec? audio, string format = "mp4", params OperationSpec[] ops) =>
        new("/storage/input/in.mp4", new OutputSpec("/storage/output/o." + format, format, video, audio), ops);

    [Fact]
    public void Without_probe_every_requested_stream_is_mapped_as_optional_and_duration_is_unknown()
    {
        var plan = JobPlanner.Plan(Spec(new VideoSpec("h264"), new AudioSpec("aac")), null, "/i.mp4", "/o.mp4", _ => true);
        var argv = string.Join(' ', plan.Command.ToArguments());
        argv.ShouldContain("-map 0:V:0? -map 0:a:0?", Case.Sensitive);
        argv.ShouldNotContain("-vn");
        plan.ExpectedDurationSeconds.ShouldBeNull();

        var audioOnly = JobPlanner.Plan(Spec(null, new AudioSpec("mp3"), "mp3"), null, "/i.mp4", "/o.mp3", _ => true);
        string.Join(' ', audioOnly.Command.ToArguments()).ShouldContain("-map 0:a:0? -vn");
    }

    [Fact]
    public void With_probe_the_expected_duration_comes_from_the_input()
    {
        var plan = JobPlanner.Plan(Spec(new VideoSpec("h264"), new AudioSpec("aac")), Both, "/i.mp4", "/o.mp4", _ => true);
        plan.ExpectedDurationSeconds!.Value.ShouldBe(Both.DurationSeconds!.Value);
        JobPlanner.ExpectedDuration(Spec(new VideoSpec("h264"), null, "mp4", new TrimOperation(0.5, null)), Both)!.Value.ShouldBe(Both.DurationSeconds!.Value - 0.5, 0.001);
    }

    [Fact]
    public void One_sided_sizes_keep_the_aspect_ratio()
    {
        var argv = string.Join(' ', JobPlanner.Plan(Spec(new VideoSpec("h264", Width: 640), null, "mp4", new ScaleOperation(null, 480)), Both, "/i", "/o", _ => true).Command.ToArguments());
        argv.ShouldContain("-vf scale=w=-2:h='min(480,ih)':flags=lanczos,scale=w='min(640,iw)':h=-2:flags=lanczos");
        var heightOnly = string.Join(' ', JobPlanner.Plan(Spec(new VideoSpec("h264", Height: 360), null), Both, "/i", "/o", _ => true).Command.ToArguments());
        heightOnly.ShouldContain("scale=w=-2:h='min(360,ih)'");
    }

    [Fact]
    public void Copy_ignores_size_and_frame_rate_but_refuses_operations()
    {
        var argv = JobPlanner.Plan(Spec(new VideoSpec("copy", Fps: 30, Width: 100), new AudioSpec("copy"), "mkv"), Both, "/i", "/o", _ => true).Command.ToArguments();
        argv.ShouldNotContain("-vf");
        argv.ShouldNotContain("-r");
        Should.Throw<PlanningException>(() => JobPlanner.Plan(Spec(new VideoSpec("copy"), new AudioSpec("aac"), "mkv", new ScaleOperation(320, 240)), Both, "/i", "/o", _ => true))
            .Message.ShouldContain("video codec cannot be 'copy'");
        Should.Throw<PlanningException>(() => JobPlanner.Plan(Spec(new VideoSpec("h264"), new AudioSpec("copy"), "mkv", new VolumeOperation(3)), Both, "/i", "/o", _ => true))
            .Message.ShouldContain("audio codec cannot be 'copy'");
    }

    [Fact]
    public void Stream_checks_name_the_missing_stream()
    {
        var none = Both with { Streams = [] };
        Should.Throw<PlanningException>(() => StreamChecks.CheckStreams(Spec(new VideoSpec("h264"), new AudioSpec("aac")), none)).Message.ShouldBe("The input has no video or audio stream that this output can carry.");
        Should.Throw<PlanningException>(() => StreamChecks.CheckStreams(Spec(null, new AudioSpec("mp3"), "mp3"), none)).Message.ShouldBe("The input has no audio stream to put in an audio-only output.");
        var videoOnly = Both with { Streams = Both.Streams.Where(s => s.CodecType == "video").ToList() };
        Should.NotThrow(() => StreamChecks.CheckStreams(Spec(new VideoSpec("h264"), new AudioSpec("aac")), videoOnly));
        var audioIn = Both with { Streams = Both.Streams.Where(s => s.CodecType == "audio").ToList() };
        Should.NotThrow(() => StreamChecks.CheckStreams(Spec(new VideoSpec("h264"), new AudioSpec("aac")), audioIn));
        Should.Throw<PlanningException>(() => StreamChecks.CheckStreams(Spec(new VideoSpec("gif"), null, "gif"), audioIn))
            .Message.ShouldBe("The input has no video stream (a cover image does not count) to put in a video-only output (gif).");
    }

    [Fact]
    public void Unknown_format_and_codec_are_planning_errors()
    {
        Should.Throw<PlanningException>(() => JobPlanner.Plan(Spec(new VideoSpec("h264"), null, "exe"), Both, "/i", "/o", _ => true)).Message.ShouldContain("Unknown output format 'exe'");
        Should.Throw<PlanningException>(() => JobPlanner.Plan(Spec(new VideoSpec("wmv"), null), Both, "/i", "/o", _ => true)).Message.ShouldContain("Unknown codec 'wmv'");
    }

    [Fact]
    public void Media_presence()
    {
        Both.HasMedia.ShouldBeTrue();
        (Both with { Streams = Both.Streams.Where(s => s.CodecType == "video").ToList() }).HasMedia.ShouldBeTrue();
        (Both with { Streams = Both.Streams.Where(s => s.CodecType == "audio").ToList() }).HasMedia.ShouldBeTrue();
        (Both with { Streams = [] }).HasMedia.ShouldBeFalse();
        var coverOnly = Both with { Streams = [new StreamInfo(0, "video", "mjpeg", 10, 10, null, null, null, null, IsAttachedPicture: true)] };
        coverOnly.FirstVideo.ShouldBeNull();
    }
}

public sealed class ParserEdgeTests
{
    [Fact]
    public void Probe_arguments_are_safe()
    {
        FfprobeParser.Arguments("/x/y.mp4").ShouldBe(["-v", "error", "-protocol_whitelist", "file,pipe", "-format_whitelist", DemuxerPolicy.Fallback + ",image2", "-print_format", "json", "-show_format", "-show_streams", "file:/x/y.mp4"]);
        FfprobeParser.Arguments("/x/y.mp4", "nut,dv")[5].ShouldBe("nut,dv,image2", "one plain image file may be read by image2");
        FfprobeParser.Arguments("/x/y%03d.png", "nut,dv")[5].ShouldBe("nut,dv", "a name that is a pattern may not");
        DemuxerPolicy.ForFile("a,image2", "/x/y.png").ShouldBe("a,image2");
        foreach (var c in "%*?[]{}")
        {
            DemuxerPolicy.ForFile("a", $"/x/y{c}.png").ShouldBe("a");
        }
        DemuxerPolicy.Fallback.Split(',').ShouldNotContain("hls");
        DemuxerPolicy.Fallback.Split(',').ShouldNotContain("concat");
        DemuxerPolicy.Fallback.Split(',').ShouldNotContain("image2");
    }

    [Fact]
    public void Average_frame_rate_wins_and_the_longest_stream_gives_a_missing_duration()
    {
        var info = FfprobeParser.Parse("""
            {"format":{"format_name":"x"},"streams":[
              {"index":0,"codec_type":"video","avg_frame_rate":"24/1","r_frame_rate":"48/1","duration":"3.0"},
              {"index":1,"codec_type":"audio","duration":"4.5","sample_rate":"48000","channels":2}]}
            """)!;
        info.FirstVideo!.FrameRate.ShouldBe(24);
        info.DurationSeconds.ShouldBe(4.5);
        info.FirstAudio!.SampleRate.ShouldBe(48000);
        FfprobeParser.Parse("""{"format":{"format_name":"x"}}""")!.Streams.ShouldBeEmpty();
        FfprobeParser.Parse("""{"format":{"format_name":"x","duration":"10.0"},"streams":[{"index":0,"codec_type":"audio","duration":"4.5"}]}""")!.DurationSeconds.ShouldBe(10);
    }

    [Theory]
    [InlineData("0/5")]
    [InlineData("5/0")]
    [InlineData("abc")]
    [InlineData(null)]
    [InlineData("1/2/3")]
    public void Bad_rates_are_null(string? rate) => FfprobeParser.ParseRate(rate).ShouldBeNull();

    [Fact]
    public void Listings_with_blank_lines_and_one_sided_formats()
    {
        CapabilitiesParser.ParseHwAccels("Hardware acceleration methods:\nvdpau\n\ncuda\n  \n").ShouldBe(["vdpau", "cuda"]);
        CapabilitiesParser.ParseHwAccels("nothing here").ShouldBeEmpty();
        CapabilitiesParser.ParseHwAccels("a banner line\nHardware acceleration methods:\ncuda\n").ShouldBe(["cuda"]);
        var (muxers, demuxers) = CapabilitiesParser.ParseFormats("File formats:\n D. = Demuxing\n --\n D  3dostr          3DO STR\n  E ipod            iPod H.264 MP4\n DE mov,mp4         QuickTime\n");
        muxers.ShouldBe(["ipod", "mov", "mp4"]);
        demuxers.ShouldBe(["3dostr", "mov", "mp4"]);
        var codecs = CapabilitiesParser.ParseCodecs("Encoders:\n ------\n V....D libx264   H.264\n A....D aac       AAC\n S..... ass       ASS subtitle\n");
        codecs.Select(c => (c.Name, c.Type)).ShouldBe([("libx264", "video"), ("aac", "audio"), ("ass", "subtitle")]);
        FfmpegCapabilities.Empty.Version.ShouldBe("unknown");
        FfmpegCapabilities.Empty.HasEncoder("libx264").ShouldBeFalse();
    }
}

/// <summary>Process behaviour that only a real child process shows.</summary>
public sealed class ProcessEdgeTests
{
    [Fact]
    public async Task Stdin_is_closed_so_a_reader_of_stdin_ends_at_once()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await FfmpegProcess.RunAsync(new FfmpegRunOptions("cat", []), cts.Token);
        result.Stopped.ShouldBeFalse();
        result.ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task Stop_sends_sigterm_before_the_grace_period_ends()
    {
        var started = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        var run = FfmpegProcess.RunAsync(new FfmpegRunOptions("sleep", ["30"]) { StopGracePeriod = TimeSpan.FromSeconds(8), OnStarted = _ => started.SetResult() }, stop.Token);
        await started.Task;
        var clock = Stopwatch.StartNew();
        await stop.CancelAsync();
        var result = await run;
        result.Stopped.ShouldBeTrue();
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(4), "SIGTERM ends sleep at once; only a missing SIGTERM waits for the 8 s grace");
    }

    [Fact]
    public async Task Stderr_tail_is_bounded_and_every_line_is_observed()
    {
        var seen = 0;
        var result = await FfmpegProcess.RunAsync(
            new FfmpegRunOptions("ffmpeg", ["-hide_banner", "-nostdin", "-v", "verbose", "-f", "lavfi", "-i", "testsrc2=duration=0.2", "-f", "null", "-"])
            {
                StderrTailLines = 3,
                OnStderrLine = _ => Interlocked.Increment(ref seen),
            },
            TestContext.Current.CancellationToken);
        result.Succeeded.ShouldBeTrue();
        result.StderrTail.Count.ShouldBe(3);
        seen.ShouldBeGreaterThan(3);
    }

    [Fact]
    public async Task Capture_keeps_stdout_and_a_long_stderr_tail()
    {
        var version = await FfmpegProcess.CaptureAsync("ffmpeg", ["-version"], TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        version.Stdout.ShouldStartWith("ffmpeg version");
        var debug = await FfmpegProcess.CaptureAsync("ffmpeg", ["-hide_banner", "-nostdin", "-v", "debug", "-f", "lavfi", "-i", "testsrc2=duration=0.2", "-f", "null", "-"], TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        debug.StderrTail.Count.ShouldBeGreaterThan(50);
        debug.StderrTail.Count.ShouldBeLessThanOrEqualTo(200);
    }

    [Fact]
    public async Task Capture_stops_a_command_that_outlives_its_timeout()
    {
        var clock = Stopwatch.StartNew();
        var result = await FfmpegProcess.CaptureAsync("sleep", ["30"], TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);
        result.Stopped.ShouldBeTrue();
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
    }
}
