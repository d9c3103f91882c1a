using FfmpegApi.Media.Estimation;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Tests;

/// <summary>The estimate model: output geometry through operations, bitrate sources, speed from history or defaults.</summary>
public sealed class EstimatorTests
{
    private static readonly MediaInfo Input = FfprobeParser.Parse(TestFiles.Read("ffprobe/h264-aac.json"))!;

    private static ConvertSpec Spec(VideoSpec? video, AudioSpec? audio, params OperationSpec[] operations) =>
        new("/i.mp4", new OutputSpec("/o.mp4", "mp4", video, audio), operations);

    [Fact]
    public void Geometry_follows_crop_rotate_and_fit_rules()
    {
        var (w, h) = (Input.FirstVideo!.Width!.Value, Input.FirstVideo.Height!.Value);
        Estimator.For(Spec(new VideoSpec("h264"), null, new CropOperation(100, 60), new RotateOperation(90)), Input, []).ShouldSatisfyAllConditions(
            e => e.Width.ShouldBe(60),
            e => e.Height.ShouldBe(100));
        var noUpscale = Estimator.For(Spec(new VideoSpec("h264", Width: w * 4, Height: h * 4), null), Input, []);
        (noUpscale.Width, noUpscale.Height).ShouldBe((w, h));
        var stretched = Estimator.For(Spec(new VideoSpec("h264"), null, new ScaleOperation(100, 100, ScaleFit.Stretch)), Input, []);
        (stretched.Width, stretched.Height).ShouldBe((100, 100));
        Estimator.For(Spec(null, new AudioSpec("mp3", "96k")), Input, []).ShouldSatisfyAllConditions(
            e => e.Width.ShouldBeNull(),
            e => e.AudioBitrateBps.ShouldBe(96_000),
            e => e.OutputSizeBytes.ShouldBe(96_000 * 2 / 8));
    }

    [Fact]
    public void Speed_comes_from_matching_history_else_defaults_and_two_pass_costs_more()
    {
        var height = Input.FirstVideo!.Height!.Value;
        SpeedSample[] history = [new("h264", "medium", height, 3), new("h264", "medium", height, 5), new("h264", "medium", height, 9), new("h265", "medium", height, 0.1), new("h264", "medium", height * 4, 0.2)];
        var fromHistory = Estimator.For(Spec(new VideoSpec("h264"), null), Input, history);
        fromHistory.SpeedSource.ShouldBe("history");
        fromHistory.Samples.ShouldBe(3);
        fromHistory.SpeedXRealtime.ShouldBe(5);
        fromHistory.ProcessingSeconds.ShouldBe(0.4);

        var fallback = Estimator.For(Spec(new VideoSpec("vp9", "fast"), null), Input, history);
        fallback.SpeedSource.ShouldBe("default");
        var twoPass = Estimator.For(Spec(new VideoSpec("vp9", "fast", Bitrate: "500k") { TwoPass = true }, null), Input, history);
        twoPass.SpeedXRealtime.ShouldBeLessThan(fallback.SpeedXRealtime);
        twoPass.VideoBitrateBps.ShouldBe(500_000);
    }

    [Fact]
    public void Crf_size_halves_every_six_steps_and_respects_the_cap()
    {
        var crf23 = Estimator.For(Spec(new VideoSpec("h264", Crf: 23), null), Input, []).VideoBitrateBps!.Value;
        var crf29 = Estimator.For(Spec(new VideoSpec("h264", Crf: 29), null), Input, []).VideoBitrateBps!.Value;
        ((double)crf29 / crf23).ShouldBe(0.5, 0.01);
        Estimator.For(Spec(new VideoSpec("h264", Crf: 10) { MaxRate = "100k" }, null), Input, []).VideoBitrateBps.ShouldBe(100_000);
        Estimator.For(Spec(new VideoSpec("copy"), new AudioSpec("copy")), Input, []).VideoBitrateBps.ShouldBe(Input.BitRate);
    }
}
