using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Quality;
using FfmpegApi.Media.Specs;
using FfmpegApi.Media.Streaming;

namespace FfmpegApi.Media.Tests;

/// <summary>The pure parts of upscaling (the decode/encode split) and of quality targets (the CRF search, sample windows).</summary>
public sealed class UpscaleAndQualityPlanningTests
{
    private static readonly MediaInfo Both = FfprobeParser.Parse(TestFiles.Read("ffprobe/h264-aac.json"))!;

    private static ConvertSpec Spec(params OperationSpec[] ops) =>
        new("/storage/input/in.mp4", new OutputSpec("/storage/output/o.mp4", "mp4", new VideoSpec("h264"), new AudioSpec("aac")), ops);

    [Fact]
    public void Upscale_splits_into_a_raw_decoder_and_an_encoder_reading_stdin()
    {
        var spec = Spec(new TrimOperation(1, 2), new DenoiseOperation(), new UpscaleOperation(2, "m"), new CropOperation(100, 80), new VolumeOperation(-3));
        var plan = JobPlanner.Plan(spec, Both, "/i.mp4", "/o.mp4", _ => true);
        var pass = plan.Passes.Single();
        pass.Stage.ShouldBe("upscaling");
        var stage = pass.Upscale.ShouldNotBeNull();
        (stage.OutputWidth, stage.OutputHeight).ShouldBe((Both.FirstVideo!.Width!.Value * 2, Both.FirstVideo.Height!.Value * 2));

        var decoder = string.Join(' ', stage.Decoder.ToArguments());
        decoder.ShouldStartWith("-hide_banner -nostdin -nostats -ss 1 ");
        decoder.ShouldNotContain("-progress");
        decoder.ShouldContain("-map 0:v:0? -an");
        decoder.ShouldContain("-vf hqdn3d");
        decoder.ShouldContain("-t 2 ");
        decoder.ShouldEndWith("-f rawvideo -pix_fmt rgb24 pipe:1");
        decoder.ShouldNotContain("crop");

        var encoder = string.Join(' ', plan.Command.ToArguments());
        encoder.ShouldContain($"-f rawvideo -pix_fmt rgb24 -video_size {stage.OutputWidth}x{stage.OutputHeight} -framerate ");
        encoder.ShouldContain("-protocol_whitelist pipe -format_whitelist rawvideo -i pipe:0");
        encoder.ShouldContain("-map 1:v:0 -map 0:a:0?");
        encoder.ShouldContain("crop=");
        encoder.ShouldContain("volume=");
        encoder.ShouldNotContain("hqdn3d");
    }

    [Theory]
    [InlineData("scale", "'scale' changes the frame size")]
    [InlineData("two", "two-pass")]
    [InlineData("copy", "cannot be 'copy'")]
    [InlineData("twice", "At most one upscale")]
    public void Upscale_combinations_that_cannot_work_are_named(string what, string message)
    {
        var spec = what switch
        {
            "scale" => Spec(new ScaleOperation(100, null), new UpscaleOperation(2, "m")),
            "two" => Spec(new UpscaleOperation(2, "m")) with { Output = new OutputSpec("/o.mp4", "mp4", new VideoSpec("h264", Bitrate: "1M") { TwoPass = true }, null) },
            "copy" => Spec(new UpscaleOperation(2, "m")) with { Output = new OutputSpec("/o.mp4", "mp4", new VideoSpec("copy"), null) },
            _ => Spec(new UpscaleOperation(2, "m"), new UpscaleOperation(2, "m")),
        };
        UpscalePlanner.Problem(spec).ShouldNotBeNull().ShouldContain(message);
        Should.Throw<PlanningException>(() => JobPlanner.Plan(spec, Both, "/i.mp4", "/o.mp4", _ => true));
    }

    [Fact]
    public void Search_interpolates_inside_the_bracket_and_stops_at_the_target()
    {
        var scale = CrfSearch.ScaleFor("h264")!;
        CrfSearch.Next([], 93, scale, 0.5).ShouldBe(23);

        // One trial above the target: the guessed slope (1.6 VMAF per CRF) says 4 steps up, rounded to 0.5.
        CrfSearch.Next([new CrfTrial(23, 99.4)], 93, scale, 0.5).ShouldBe(27);

        // Bracketed: linear between (23, 96) and (31, 88) crosses 93 at 26.
        List<CrfTrial> bracket = [new(23, 96), new(31, 88)];
        CrfSearch.Next(bracket, 93, scale, 0.5).ShouldBe(26);
        CrfSearch.Choose(bracket, 93, scale, 0.5).ShouldBe(26);

        // Within tolerance: done, and that trial is the choice.
        List<CrfTrial> hit = [new(23, 96), new(26, 93.3)];
        CrfSearch.Next(hit, 93, scale, 0.5).ShouldBeNull();
        CrfSearch.Choose(hit, 93, scale, 0.5).ShouldBe(26);

        // The scale's end: an unreachable target stops at the bound instead of looping.
        List<CrfTrial> easy = [new(44, 99), new(45, 98.5)];
        CrfSearch.Next(easy, 80, scale, 0.5).ShouldBeNull();
        CrfSearch.Choose(easy, 80, scale, 0.5).ShouldBe(45);

        // Whole steps for vp9.
        CrfSearch.Choose([new CrfTrial(30, 95), new CrfTrial(40, 88)], 93, CrfSearch.ScaleFor("vp9")!, 0.5).ShouldBe(33);
        CrfSearch.ScaleFor("mpeg4").ShouldBeNull();
    }

    [Fact]
    public void Sample_windows_spread_over_the_input_on_frame_boundaries()
    {
        var windows = CrfSearch.Windows(60, 3, 2, 25);
        windows.Select(w => w.Start).ShouldBe([9, 29, 49]);
        windows.ShouldAllBe(w => w.Duration == 2);
        var ntsc = CrfSearch.Windows(10.03, 3, 2, 30);
        ntsc.Select(w => w.Start).ShouldBe([0.666, 4, 7.366]);
        ntsc.ShouldAllBe(w => w.Start * 30 <= Math.Round(w.Start * 30) && Math.Round(w.Start * 30) - (w.Start * 30) < 0.03);
        CrfSearch.Windows(5, 3, 2, 25).ShouldBe([new SampleWindow(0, 5)]);
    }

    [Fact]
    public void A_ladder_with_searched_crfs_caps_each_rung_with_its_bitrate()
    {
        var streaming = new StreamingSpec(StreamingFormat.Hls, [new RenditionRequest(240, 900_000), new RenditionRequest(180, 500_000)]);
        var spec = new StreamSpec("/in.mp4", new OutputSpec("/out/master.m3u8", "hls", null, null), streaming);
        var plan = StreamingPlanner.Plan(spec, streaming, Both, "/i.mp4", "/pkg", new Dictionary<string, double> { ["240p"] = 27.5, ["180p"] = 25 });
        var argv = string.Join(' ', plan.Pass.Arguments());
        argv.ShouldContain("-crf:v:0 27.5 -maxrate:v:0 ");
        argv.ShouldContain("-crf:v:1 25 -maxrate:v:1 535k");
        argv.ShouldNotContain("-b:v:0");
        plan.Renditions.Select(r => r.Crf).ShouldBe([27.5, 25]);
    }

    [Fact]
    public void A_fine_crf_wins_over_the_default()
    {
        var spec = Spec() with { Output = new OutputSpec("/o.mp4", "mp4", new VideoSpec("h264") { TargetVmaf = 90 }, null) };
        JobPlanner.RequiresProbe(spec).ShouldBeTrue();
        string.Join(' ', JobPlanner.Plan(spec, Both, new PlanContext("/i.mp4", "/o.mp4", _ => true) { FineCrf = 27.5 }).Command.ToArguments()).ShouldContain("-crf 27.5");
    }
}
