using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Tests;

/// <summary>The exact argv each supported spec produces, pinned by golden files.</summary>
public sealed class GoldenArgvTests
{
    private static readonly MediaInfo VideoWithAudio = FfprobeParser.Parse(TestFiles.Read("ffprobe/h264-aac.json"))!;
    private static readonly MediaInfo AudioOnly = FfprobeParser.Parse(TestFiles.Read("ffprobe/mp3-audio-only.json"))!;

    private static IReadOnlyList<string> Argv(ConvertSpec spec, MediaInfo input) =>
        JobPlanner.Plan(spec, input, "/data/storage/input/in.mp4", "/data/work/job/output." + spec.Output.Format, _ => true).Command.ToArguments();

    [Fact]
    public void Mp4_defaults_to_h264_and_aac()
    {
        var spec = new ConvertSpec("/storage/input/in.mp4", new OutputSpec("/storage/output/o.mp4", "mp4", new VideoSpec("h264"), new AudioSpec("aac")), []);
        TestFiles.AssertGolden("mp4-h264-aac", Argv(spec, VideoWithAudio));
    }

    [Fact]
    public void Webm_uses_vp9_crf_with_zero_bitrate_and_opus()
    {
        var spec = new ConvertSpec("/storage/input/in.mp4", new OutputSpec("/storage/output/o.webm", "webm", new VideoSpec("vp9", Crf: 30), new AudioSpec("opus", "96k")), []);
        TestFiles.AssertGolden("webm-vp9-opus", Argv(spec, VideoWithAudio));
    }

    [Fact]
    public void Mp3_extraction_drops_video()
    {
        var spec = new ConvertSpec("/storage/input/in.mp4", new OutputSpec("/storage/output/o.mp3", "mp3", null, new AudioSpec("mp3", "192k", 2, 44100)), []);
        TestFiles.AssertGolden("mp3-extract", Argv(spec, VideoWithAudio));
    }

    [Fact]
    public void Trim_and_scale_seek_on_input_and_filter_once()
    {
        var spec = new ConvertSpec(
            "/storage/input/in.mp4",
            new OutputSpec("/storage/output/o.mp4", "mp4", new VideoSpec("h264", "veryfast", 28, Width: 160, Height: 120), new AudioSpec("aac", "128k")),
            [new TrimOperation(0.5, 1.25), new ScaleOperation(320, null)]);
        TestFiles.AssertGolden("trim-scale", Argv(spec, VideoWithAudio));
    }

    [Fact]
    public void H265_with_bitrate_cap_and_fps()
    {
        var spec = new ConvertSpec("/storage/input/in.mp4", new OutputSpec("/storage/output/o.mkv", "mkv", new VideoSpec("h265", "fast", 26, "2M", Fps: 30), new AudioSpec("flac")), []);
        TestFiles.AssertGolden("mkv-h265-flac", Argv(spec, VideoWithAudio));
    }

    [Fact]
    public void Stream_copy_remuxes_without_encoder_options()
    {
        var spec = new ConvertSpec("/storage/input/in.mp4", new OutputSpec("/storage/output/o.mov", "mov", new VideoSpec("copy"), new AudioSpec("copy")), [new TrimOperation(1, null)]);
        TestFiles.AssertGolden("mov-copy", Argv(spec, VideoWithAudio));
    }

    [Fact]
    public void Bitrate_only_uses_average_bitrate_mode()
    {
        var spec = new ConvertSpec("/storage/input/in.mp4", new OutputSpec("/storage/output/o.ts", "ts", new VideoSpec("h264", Bitrate: "1500k"), new AudioSpec("aac")), []);
        TestFiles.AssertGolden("ts-h264-bitrate", Argv(spec, VideoWithAudio));
    }

    [Fact]
    public void Audio_only_input_to_video_container_maps_audio_only()
    {
        var spec = new ConvertSpec("/storage/input/in.mp3", new OutputSpec("/storage/output/o.mp4", "mp4", new VideoSpec("h264"), new AudioSpec("aac")), []);
        var argv = Argv(spec, AudioOnly);
        argv.ShouldContain("-vn");
        argv.ShouldNotContain("-c:v");
        argv.ShouldContain("aac");
    }

    [Fact]
    public void Every_command_has_the_safety_flags_and_file_urls()
    {
        var spec = new ConvertSpec("/storage/input/in.mp4", new OutputSpec("/storage/output/o.mp4", "mp4", new VideoSpec("h264"), new AudioSpec("aac")), []);
        var argv = Argv(spec, VideoWithAudio);
        argv.Take(6).ShouldBe(["-hide_banner", "-nostdin", "-y", "-nostats", "-progress", "pipe:1"]);
        argv[argv.ToList().IndexOf("-protocol_whitelist") + 1].ShouldBe("file,pipe");
        argv.ToList().IndexOf("-format_whitelist").ShouldBeLessThan(argv.ToList().IndexOf("-i"));
        argv.ShouldContain("file:/data/storage/input/in.mp4");
        argv[^1].ShouldBe("file:/data/work/job/output.mp4");
    }

    [Fact]
    public void Planner_refuses_audio_only_output_from_video_only_input()
    {
        var videoOnly = VideoWithAudio with { Streams = VideoWithAudio.Streams.Where(s => s.CodecType == "video").ToList() };
        var spec = new ConvertSpec("/storage/input/in.mp4", new OutputSpec("/storage/output/o.mp3", "mp3", null, new AudioSpec("mp3")), []);
        Should.Throw<PlanningException>(() => Argv(spec, videoOnly)).Message.ShouldContain("no audio");
    }

    [Fact]
    public void Planner_falls_back_to_the_next_encoder_and_reports_a_missing_one()
    {
        var spec = new ConvertSpec("/storage/input/in.mp4", new OutputSpec("/storage/output/o.webm", "webm", new VideoSpec("av1"), new AudioSpec("opus")), []);
        var plan = JobPlanner.Plan(spec, VideoWithAudio, "/i.mp4", "/o.webm", e => e != "libsvtav1");
        plan.Command.ToArguments().ShouldContain("libaom-av1");
        Should.Throw<PlanningException>(() => JobPlanner.Plan(spec, VideoWithAudio, "/i.mp4", "/o.webm", e => e == "libopus"))
            .Message.ShouldContain("no encoder for 'av1'");
    }

    [Theory]
    [InlineData(10.0, 2.0, 3.0, 3.0)]
    [InlineData(10.0, 8.0, 5.0, 2.0)]
    [InlineData(10.0, 4.0, null, 6.0)]
    [InlineData(null, 1.0, 3.0, 3.0)]
    public void Expected_duration_accounts_for_trim(double? input, double start, double? duration, double expected) =>
        JobPlanner.ExpectedDuration(input, new TrimOperation(start, duration)).ShouldBe(expected);

    [Fact]
    public void Expected_duration_without_trim_or_input_duration()
    {
        JobPlanner.ExpectedDuration(12.5, null).ShouldBe(12.5);
        JobPlanner.ExpectedDuration(null, new TrimOperation(2, null)).ShouldBeNull();
    }
}
