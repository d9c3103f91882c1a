using FfmpegApi.Media.Analysis;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;

namespace FfmpegApi.Media.Tests;

/// <summary>Metric log parsers on captured logs, pooling math, and the analysis commands (golden argv).</summary>
public sealed class AnalysisTests
{
    private static readonly MediaInfo Reference = FfprobeParser.Parse(TestFiles.Read("ffprobe/h264-aac.json"))!;

    private static AnalysisContext Context => new("/data/in/dist.mp4", "/data/in/ref.mp4", "/data/work/job", 2)
    {
        VmafFfmpeg = "/opt/vmaf/ffmpeg",
        VmafModel = "/app/assets/vmaf/vmaf_v0.6.1.pkl",
    };

    [Fact]
    public void Psnr_ssim_and_vmaf_logs_parse_per_frame()
    {
        var psnr = MetricLogs.Psnr(TestFiles.Read("analysis/psnr.log"));
        psnr.Count.ShouldBe(51);
        psnr[0].ShouldBe(32.21);
        psnr[^1].ShouldBe(MetricLogs.PsnrCeiling, "identical frames (inf) count as the ceiling");
        var ssim = MetricLogs.Ssim(TestFiles.Read("analysis/ssim.log"));
        ssim.Count.ShouldBe(50);
        ssim[0].ShouldBe(0.934826);
        MetricLogs.Vmaf(TestFiles.Read("analysis/vmaf.json")).ShouldBe([71.93752, 70.70686, 70.7505], tolerance: 1e-6);
        MetricLogs.Vmaf("""{"version":"1"}""").ShouldBeEmpty();
    }

    [Fact]
    public void Pooling_gives_mean_min_max_and_the_offset_harmonic_mean()
    {
        var pooled = MetricLogs.Pool([0, 99, 99, 99]).ShouldNotBeNull();
        pooled.Mean.ShouldBe(74.25);
        pooled.Min.ShouldBe(0);
        pooled.Max.ShouldBe(99);
        pooled.Frames.ShouldBe(4);
        pooled.HarmonicMean.ShouldBe((4 / (1 + (3 / 100.0))) - 1, 1e-3);
        MetricLogs.Pool([]).ShouldBeNull();
        MetricLogs.Subsample([1, 2, 3, 4, 5], 2).ShouldBe([1, 3, 5]);
        MetricLogs.Subsample([1, 2], 1).ShouldBe([1, 2]);
    }

    [Fact]
    public void Same_geometry_runs_psnr_and_ssim_in_one_pass_and_vmaf_in_the_vmaf_build()
    {
        var plan = AnalysisPlanner.Plan(new AnalysisSpec("/storage/ref.mp4", ["vmaf", "psnr", "ssim"], 2), Reference, Reference, Context);
        plan.Aligned.ShouldBeNull();
        plan.ExpectedDurationSeconds.ShouldBe(2);
        plan.Passes.Select(p => (p.Executable, p.Weight)).ShouldBe([(null, 0.5), ("/opt/vmaf/ffmpeg", 0.5)]);
        TestFiles.AssertGolden("analysis-classic", plan.Passes[0].Command.ToArguments());
        TestFiles.AssertGolden("analysis-vmaf", plan.Passes[1].Command.ToArguments());
    }

    [Fact]
    public void A_smaller_slower_input_is_scaled_and_retimed_to_the_reference()
    {
        var video = Reference.FirstVideo!;
        var small = Reference with { Streams = [video with { Width = 160, Height = 120, FrameRate = 12.5 }] };
        var plan = AnalysisPlanner.Plan(new AnalysisSpec("/storage/ref.mp4", ["psnr"]), small, Reference, Context);
        plan.Aligned.ShouldBe(new Alignment("160x120", $"{video.Width}x{video.Height}", 12.5, video.FrameRate));
        string.Join(' ', plan.Passes.ShouldHaveSingleItem().Command.ToArguments())
            .ShouldContain($"[0:V:0]setpts=PTS-STARTPTS,scale={video.Width}:{video.Height}:flags=bicubic,fps=25,format=yuv420p,split=1[d0]");
    }

    [Fact]
    public void Missing_video_or_vmaf_is_a_planning_error()
    {
        var audioOnly = Reference with { Streams = [.. Reference.Streams.Where(s => s.CodecType == "audio")] };
        Should.Throw<PlanningException>(() => AnalysisPlanner.Plan(new AnalysisSpec("/r", ["psnr"]), audioOnly, Reference, Context)).Message.ShouldContain("input has no video");
        Should.Throw<PlanningException>(() => AnalysisPlanner.Plan(new AnalysisSpec("/r", ["psnr"]), Reference, audioOnly, Context)).Message.ShouldContain("reference has no video");
        Should.Throw<PlanningException>(() => AnalysisPlanner.Plan(new AnalysisSpec("/r", ["vmaf"]), Reference, Reference, Context with { VmafFfmpeg = null })).Message.ShouldContain("VMAF is not available");
        Should.Throw<PlanningException>(() => AnalysisPlanner.Plan(new AnalysisSpec("/r", ["vmaf"]), Reference, Reference, Context with { VmafModel = null })).Message.ShouldContain("model");
    }
}
