using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Commands.Filtergraph;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Tests;

/// <summary>Every operation's filter text and the multi-pass plans, pinned by golden argv.</summary>
public sealed class OperationGoldenTests
{
    private static readonly MediaInfo Input = FfprobeParser.Parse(TestFiles.Read("ffprobe/h264-aac.json"))!;

    private static ConvertSpec Spec(VideoSpec? video, AudioSpec? audio, params OperationSpec[] operations) =>
        new("/storage/input/in.mp4", new OutputSpec("/storage/output/o.mp4", "mp4", video, audio), operations);

    private static PlanContext Context => new("/data/storage/input/in.mp4", "/data/work/job/output.mp4", _ => true)
    {
        ResolveFile = virtualPath => "/data" + virtualPath,
    };

    [Fact]
    public void Each_operation_maps_to_its_filters()
    {
        OperationSpec[] operations =
        [
            new ScaleOperation(640, 360), new ScaleOperation(640, 360, ScaleFit.Cover), new ScaleOperation(640, 360, ScaleFit.Stretch),
            new ScaleOperation(640, 360, ScaleFit.Pad), new ScaleOperation(640, null, AllowUpscale: true), new ScaleOperation(null, 720),
            new CropOperation(100, 80), new CropOperation(100, 80, 4, 6), new PadOperation(400, 300), new PadOperation(400, 300, "#ff0000", 0, 10),
            new RotateOperation(90), new RotateOperation(180), new RotateOperation(270),
            new FlipOperation(FlipDirection.Horizontal), new FlipOperation(FlipDirection.Vertical), new FlipOperation(FlipDirection.Both),
            new FpsOperation(12.5), new SpeedOperation(2), new SpeedOperation(0.3), new SpeedOperation(5),
            new DenoiseOperation(FilterStrength.Light), new DenoiseOperation(), new DenoiseOperation(FilterStrength.Strong),
            new SharpenOperation(1.5), new DeinterlaceOperation(), new ColorOperation(0.1, 1.2, 0.8, 1.1), new GrayscaleOperation(),
            new BlurOperation(3), new HueOperation(90, 1.5), new StabilizeOperation(FilterStrength.Light), new StabilizeOperation(), new StabilizeOperation(FilterStrength.Strong),
            new FadeOperation(FadeDirection.In, 0.5), new FadeOperation(FadeDirection.Out, 1), new FadeOperation(FadeDirection.Out, 1, 3),
            new VolumeOperation(-6), new NormalizeOperation(TwoPass: false),
            new TextOperation("Hello"), new TextOperation("Top", OverlayPosition.TopLeft, 32, "yellow", false, 4, 1, 2.5),
        ];
        var lines = new List<string>();
        foreach (var operation in operations)
        {
            var argv = JobPlanner.Plan(Spec(new VideoSpec("h264"), new AudioSpec("aac"), operation), Input, Context).Command.ToArguments().ToList();
            var vf = argv.IndexOf("-vf") is var v and >= 0 ? argv[v + 1] : "-";
            var af = argv.IndexOf("-af") is var a and >= 0 ? argv[a + 1] : "-";
            lines.Add($"{operation} => -vf {vf} -af {af}");
        }

        TestFiles.AssertGolden("operations", lines);
    }

    [Fact]
    public void Operations_apply_in_the_order_given_and_speed_shortens_trim_and_duration()
    {
        var spec = Spec(
            new VideoSpec("h264"),
            new AudioSpec("aac"),
            new TrimOperation(1, 4),
            new CropOperation(200, 200),
            new SpeedOperation(2),
            new FadeOperation(FadeDirection.Out, 0.5),
            new GrayscaleOperation());
        var plan = JobPlanner.Plan(spec, Input, Context);
        plan.ExpectedDurationSeconds.ShouldBe(0.5);
        TestFiles.AssertGolden("operations-ordered", plan.Command.ToArguments());
    }

    [Fact]
    public void Watermark_builds_a_graph_with_a_second_input()
    {
        var spec = Spec(
            new VideoSpec("h264"),
            new AudioSpec("aac"),
            new ScaleOperation(320, null),
            new WatermarkOperation("/storage/logo.png", OverlayPosition.TopRight, 8, 0.5, 0.25),
            new GrayscaleOperation(),
            new WatermarkOperation("/storage/badge.png", OverlayPosition.BottomLeft, 0, 1, null));
        var argv = JobPlanner.Plan(spec, Input, Context).Command.ToArguments();
        TestFiles.AssertGolden("watermark", argv);
        argv.Count(a => a == "-i").ShouldBe(3);
        argv.ShouldContain("file:/data/storage/logo.png");
        argv.ShouldNotContain("-vf");
    }

    [Fact]
    public void Text_is_escaped_at_both_filter_levels()
    {
        var filter = new DrawTextStep("it's 50%: a,b;[c] \\ %{pts}", OverlayPosition.Bottom, 24, "white", false, 10, null, null).Filter;
        filter.ShouldContain(@"text=\'it\'\\\'\'s 50%: a\,b\;\[c\] \\ %{pts}\'");
        filter.ShouldContain("expansion=none");
        FilterEscaping.OptionValue("a'b").ShouldBe(@"'a'\''b'");
        FilterEscaping.ForGraph("x[0:v];y,z").ShouldBe(@"x\[0:v\]\;y\,z");
    }

    [Fact]
    public void Two_pass_plans_an_analysis_run_then_the_encode()
    {
        var spec = Spec(new VideoSpec("h264", "fast", Bitrate: "800k") { TwoPass = true, MaxRate = "1M", BufferSize = "2M" }, new AudioSpec("aac"), new ScaleOperation(320, null));
        var plan = JobPlanner.Plan(spec, Input, Context);
        plan.Passes.Select(p => (p.Stage, p.Weight)).ShouldBe([("analyzing", 0.4), ("processing", 0.6)]);
        TestFiles.AssertGolden("two-pass-1", plan.Passes[0].Command.ToArguments());
        TestFiles.AssertGolden("two-pass-2", plan.Passes[1].Command.ToArguments());

        var x265 = JobPlanner.Plan(spec with { Output = spec.Output with { Video = new VideoSpec("h265", Bitrate: "800k") { TwoPass = true } } }, Input, Context);
        string.Join(' ', x265.Passes[0].Command.ToArguments()).ShouldContain("-x265-params log-level=error:pass=1:stats=/data/work/job/ffpass.x265.log");
        x265.Passes[0].Command.ToArguments().ShouldNotContain("-pass");
    }

    [Fact]
    public void Two_pass_loudness_measures_first_then_applies_a_linear_gain()
    {
        var spec = Spec(new VideoSpec("h264"), new AudioSpec("aac"), new VolumeOperation(3), new NormalizeOperation(-14, -1, 7));
        JobPlanner.RequiresProbe(spec).ShouldBeTrue();
        Should.Throw<PlanningException>(() => JobPlanner.Plan(spec, null, Context));

        var measure = JobPlanner.Plan(spec, Input, Context);
        measure.Passes.ShouldHaveSingleItem().MeasuresLoudness.ShouldBeTrue();
        TestFiles.AssertGolden("loudnorm-measure", measure.Command.ToArguments());

        var measured = LoudnessMeasurement.Parse(TestFiles.Read("loudnorm-stderr.txt").Split('\n'));
        measured.ShouldBe(new LoudnessMeasurement(-27.47, -4.47, 0.3, -37.47, 0.25));
        var apply = JobPlanner.Plan(spec, Input, Context with { Loudness = measured });
        apply.Passes.ShouldHaveSingleItem().Weight.ShouldBe(0.8, 1e-9);
        TestFiles.AssertGolden("loudnorm-apply", apply.Command.ToArguments());
    }

    [Fact]
    public void Loudness_parser_ignores_missing_or_infinite_values()
    {
        LoudnessMeasurement.Parse(["no json here"]).ShouldBeNull();
        LoudnessMeasurement.Parse(["[Parsed_loudnorm_0 @ 0x1] ", "{", "\"input_i\" : \"-inf\",", "}"]).ShouldBeNull();
    }

    [Fact]
    public void Fade_out_without_a_known_duration_needs_a_start()
    {
        var unknown = Input with { DurationSeconds = null };
        var spec = Spec(new VideoSpec("h264"), null, new FadeOperation(FadeDirection.Out, 1));
        Should.Throw<PlanningException>(() => JobPlanner.Plan(spec, unknown, Context)).Message.ShouldContain("fade out");
        var timed = Spec(new VideoSpec("h264"), null, new FadeOperation(FadeDirection.Out, 1, 2));
        JobPlanner.RequiresProbe(timed).ShouldBeFalse();
        string.Join(' ', JobPlanner.Plan(timed, null, Context).Command.ToArguments()).ShouldContain("fade=t=out:st=2:d=1");
    }

    [Fact]
    public void Encoder_tuning_fields_reach_the_command()
    {
        var video = new VideoSpec("h264", Crf: 20) { Tune = "film", Profile = "high", Level = "4.1", PixelFormat = "yuv420p", Gop = 50, KeyframeSeconds = 2, MaxRate = "3M", BufferSize = "6M" };
        var argv = string.Join(' ', JobPlanner.Plan(Spec(video, null), Input, Context).Command.ToArguments());
        argv.ShouldContain("-crf 20 -pix_fmt yuv420p -maxrate 3000k -bufsize 6000k -tune film -profile:v high -level:v 4.1 -g 50 -force_key_frames expr:gte(t,n_forced*2)");
    }

    [Fact]
    public void Several_outputs_share_one_decode_and_each_gets_its_own_encoder()
    {
        var spec = Spec(new VideoSpec("h264", Width: 320), new AudioSpec("aac"), new TrimOperation(0.5, 1), new WatermarkOperation("/storage/logo.png"), new VolumeOperation(-3)) with
        {
            ExtraOutputs =
            [
                new OutputSpec("/storage/output/o.webm", "webm", new VideoSpec("vp9", Width: 160), new AudioSpec("opus")),
                new OutputSpec("/storage/output/o.mp3", "mp3", null, new AudioSpec("mp3")),
            ],
        };
        var plan = JobPlanner.Plan(spec, Input, Context with { ExtraOutputFiles = ["/data/work/job/output1.webm", "/data/work/job/output2.mp3"] });
        var pass = plan.Passes.ShouldHaveSingleItem();
        pass.ExtraOutputs.Count.ShouldBe(2);
        var argv = pass.Arguments();
        TestFiles.AssertGolden("several-outputs", argv);
        argv.Count(a => a == "-i").ShouldBe(2, "the input and the watermark are opened once");
        argv.ShouldContain("[vout0]");
        argv.ShouldContain("[vout1]");
        argv[^1].ShouldBe("file:/data/work/job/output2.mp3");
        Should.Throw<ArgumentException>(() => JobPlanner.Plan(spec, Input, Context));
        Should.Throw<ArgumentException>(() => FfmpegCommand.Merge([FfmpegCommand.For("/a", "/o1"), FfmpegCommand.For("/b", "/o2")]));
    }

    [Fact]
    public void Subtitles_burn_with_the_seek_offset_or_mux_as_a_track()
    {
        var burn = JobPlanner.Plan(Spec(new VideoSpec("h264"), new AudioSpec("aac"), new TrimOperation(1.5, null), new SubtitlesOperation("/storage/subs/it's.srt")), Input, Context);
        TestFiles.AssertGolden("subtitles-burn", burn.Command.ToArguments());
        var soft = JobPlanner.Plan(Spec(new VideoSpec("copy"), new AudioSpec("copy"), new TrimOperation(1.5, null), new SubtitlesOperation("/storage/subs/a.srt", SubtitleMode.Soft, "fra"), new WatermarkOperation("/storage/logo.png")) with { Output = new OutputSpec("/o.mkv", "mkv", new VideoSpec("h264"), new AudioSpec("copy")) }, Input, Context);
        TestFiles.AssertGolden("subtitles-soft", soft.Command.ToArguments());
        var args = soft.Command.ToArguments();
        args.ShouldNotContain("-sn");
        args.ShouldContain("[2:v:0]format=rgba[wm2];[0:V:0][wm2]overlay=x=W-w-10:y=H-h-10:eof_action=repeat:format=auto[v0];[v0]null[vout]", customMessage: "the watermark is input 2 after the subtitle input");
        Should.Throw<PlanningException>(() => JobPlanner.Plan(Spec(new VideoSpec("h264"), null, new SubtitlesOperation("/s.srt", SubtitleMode.Soft)) with { Output = new OutputSpec("/o.ts", "ts", new VideoSpec("h264"), null) }, Input, Context));
    }

    [Fact]
    public void Concat_joins_before_everything_and_seeks_on_the_output()
    {
        var spec = Spec(new VideoSpec("h264"), new AudioSpec("aac"), new ConcatOperation(["/storage/b.mp4"]), new TrimOperation(1, 2), new WatermarkOperation("/storage/logo.png"), new VolumeOperation(2));
        JobPlanner.RequiresProbe(spec).ShouldBeTrue();
        var plan = JobPlanner.Plan(spec, Input, Context with { ConcatInputs = [Input] });
        plan.ExpectedDurationSeconds.ShouldBe(2);
        var argv = plan.Command.ToArguments().ToList();
        TestFiles.AssertGolden("concat", argv);
        argv.IndexOf("-ss").ShouldBeGreaterThan(argv.IndexOf("-filter_complex"), "the seek is on the joined output");
        string.Join(' ', argv).ShouldContain("[2:v:0]format=rgba", customMessage: "the watermark is input 2, after the joined file");
        Should.Throw<ArgumentException>(() => JobPlanner.Plan(spec, Input, Context));
    }
}
