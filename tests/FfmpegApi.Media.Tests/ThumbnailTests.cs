using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Thumbnails;

namespace FfmpegApi.Media.Tests;

/// <summary>Thumbnail plans (golden argv), their times, and the WebVTT storyboard.</summary>
public sealed class ThumbnailTests
{
    private static readonly MediaInfo Input = FfprobeParser.Parse(TestFiles.Read("ffprobe/h264-aac.json"))!;

    private static ThumbnailPlan Plan(ThumbnailSpec spec) => ThumbnailPlanner.Plan(spec, Input, "/data/in.mp4", "/data/work/job/images");

    [Fact]
    public void Single_count_interval_and_sprite_commands()
    {
        TestFiles.AssertGolden("thumbnail-single", Plan(new ThumbnailSpec(ThumbnailMode.One, Time: 1.5, Width: 160)).Pass.Command.ToArguments());
        var sprite = Plan(new ThumbnailSpec(ThumbnailMode.Interval, Interval: 0.5, Width: 64, Sprite: new SpriteLayout(2, 2)));
        TestFiles.AssertGolden("thumbnail-sprite", sprite.Pass.Command.ToArguments());
        sprite.Times.ShouldBe([0, 0.5, 1, 1.5]);
        var png = Plan(new ThumbnailSpec(ThumbnailMode.Count, Count: 4, Format: "png"));
        png.Times.ShouldBe([0, 0.5, 1, 1.5]);
        string.Join(' ', png.Pass.Command.ToArguments()).ShouldContain("-c:v png");
        Plan(new ThumbnailSpec(ThumbnailMode.One)).Times.ShouldBe([0.2], "default: 10 % into the video");
        var sequence = Plan(new ThumbnailSpec(ThumbnailMode.Sequence, Fps: 2, Format: "png"));
        sequence.Times.ShouldBe([0, 0.5, 1, 1.5]);
        string.Join(' ', sequence.Pass.Command.ToArguments()).ShouldContain("-vf fps=2,scale=");
        sequence.FilePattern.ShouldEndWith("frame_%04d.png");
    }

    [Fact]
    public void Sizes_are_even_and_never_upscaled()
    {
        var (w, h) = (Input.FirstVideo!.Width!.Value, Input.FirstVideo.Height!.Value);
        var big = Plan(new ThumbnailSpec(ThumbnailMode.One, Width: w * 3));
        (big.Width, big.Height).ShouldBe((w, h));
        var odd = Plan(new ThumbnailSpec(ThumbnailMode.One, Width: 101));
        (odd.Width % 2, odd.Height % 2).ShouldBe((0, 0));
    }

    [Fact]
    public void Bad_times_and_inputs_are_planning_errors()
    {
        Should.Throw<PlanningException>(() => Plan(new ThumbnailSpec(ThumbnailMode.One, Time: 99))).Message.ShouldContain("past the end");
        Should.Throw<PlanningException>(() => ThumbnailPlanner.Plan(new ThumbnailSpec(ThumbnailMode.Count, Count: 3), Input with { DurationSeconds = null, Streams = [.. Input.Streams.Select(s => s with { DurationSeconds = null })] }, "/i", "/d"))
            .Message.ShouldContain("known duration");
        Should.Throw<PlanningException>(() => ThumbnailPlanner.Plan(new ThumbnailSpec(ThumbnailMode.One), Input with { Streams = [.. Input.Streams.Where(s => s.CodecType == "audio")] }, "/i", "/d"));
        ThumbnailPlanner.Plan(new ThumbnailSpec(ThumbnailMode.Interval, Interval: 1), Input with { DurationSeconds = null, Streams = [.. Input.Streams.Select(s => s with { DurationSeconds = null })] }, "/i", "/d")
            .Times.Count.ShouldBe(ThumbnailSpec.MaxImages);
    }

    [Fact]
    public void Storyboard_maps_time_spans_to_tiles_across_sheets()
    {
        var vtt = ThumbnailPlanner.StoryboardVtt([0, 2, 4, 6, 8], 2, new SpriteLayout(2, 2), 64, 36, sheet => $"sprite_{sheet + 1:0000}.jpg", 9.5);
        vtt.ShouldBe(
            "WEBVTT\n\n"
            + "00:00:00.000 --> 00:00:02.000\nsprite_0001.jpg#xywh=0,0,64,36\n\n"
            + "00:00:02.000 --> 00:00:04.000\nsprite_0001.jpg#xywh=64,0,64,36\n\n"
            + "00:00:04.000 --> 00:00:06.000\nsprite_0001.jpg#xywh=0,36,64,36\n\n"
            + "00:00:06.000 --> 00:00:08.000\nsprite_0001.jpg#xywh=64,36,64,36\n\n"
            + "00:00:08.000 --> 00:00:10.000\nsprite_0002.jpg#xywh=0,0,64,36\n\n");
    }
}
