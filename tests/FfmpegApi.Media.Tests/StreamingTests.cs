using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;
using FfmpegApi.Media.Streaming;

namespace FfmpegApi.Media.Tests;

/// <summary>Ladder rules and the packaging argv for HLS (TS, fMP4) and DASH.</summary>
public sealed class StreamingTests
{
    private static readonly MediaInfo Source = FfprobeParser.Parse(TestFiles.Read("ffprobe/h264-aac.json"))!;

    private static MediaInfo Sized(int width, int height, long? bitrate) =>
        Source with { BitRate = bitrate, Streams = [.. Source.Streams.Select(s => s.CodecType == "video" ? s with { Width = width, Height = height } : s)] };

    [Fact]
    public void Automatic_ladder_keeps_rungs_at_or_below_the_source_and_caps_bitrates()
    {
        var (renditions, dropped) = LadderPlanner.Plan(null, Sized(1280, 720, 2_000_000));
        dropped.ShouldBe(["1080p"]);
        renditions.Select(r => (r.Name, r.Width, r.Height, r.BitrateBps)).ShouldBe(
        [
            ("720p", 1280, 720, 2_000_000),
            ("480p", 854, 480, 1_400_000),
            ("360p", 640, 360, 800_000),
            ("240p", 426, 240, 400_000),
        ]);
        renditions[0].MaxRateBps.ShouldBe(2_140_000);
        renditions[0].BufferBps.ShouldBe(3_000_000);
    }

    [Fact]
    public void Requested_rungs_are_deduplicated_sorted_and_fall_back_to_the_source_size()
    {
        var (renditions, dropped) = LadderPlanner.Plan([new(240, null), new(720, 3_000_000), new(240, 500_000)], Sized(320, 240, null));
        dropped.ShouldBe(["720p"]);
        renditions.ShouldHaveSingleItem().ShouldBe(new Rendition("240p", 320, 240, LadderPlanner.DefaultBitrate(240)));

        var tooSmall = LadderPlanner.Plan([new(1080, 5_000_000)], Sized(200, 151, 1_000_000));
        tooSmall.Renditions.ShouldHaveSingleItem().ShouldBe(new Rendition("150p", 198, 150, 1_000_000) { Sar = new Ratio(5000, 4983) });
        Should.Throw<PlanningException>(() => LadderPlanner.Plan(null, Source with { Streams = [.. Source.Streams.Where(s => s.CodecType == "audio")] }));
    }

    /// <summary>Sources of every common shape: storage size, sample aspect, rotation, and the short side as shown.</summary>
    public static TheoryData<int, int, int, int, int, int> Shapes => new()
    {
        { 3840, 2160, 1, 1, 0, 2160 },   // 16:9
        { 2880, 2160, 1, 1, 0, 2160 },   // 4:3
        { 5040, 2160, 1, 1, 0, 2160 },   // 21:9
        { 2160, 3840, 1, 1, 0, 2160 },   // portrait 9:16
        { 3840, 2160, 1, 1, 90, 2160 },  // a phone's landscape storage turned upright
        { 720, 576, 16, 15, 0, 576 },    // PAL DV 4:3, anamorphic
        { 720, 576, 64, 45, 0, 576 },    // PAL 16:9, anamorphic
        { 720, 480, 32, 27, 0, 480 },    // NTSC 16:9, anamorphic
        { 1440, 1080, 4, 3, 0, 1080 },   // HDV 16:9
        { 321, 241, 1, 1, 0, 241 },      // odd sizes
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_rung_keeps_the_display_aspect_exactly_with_even_sides(int width, int height, int sarNum, int sarDen, int rotation, int shortSide)
    {
        var source = Source with { Streams = [.. Source.Streams.Select(s => s.CodecType == "video" ? s with { Width = width, Height = height, SampleAspectRatio = sarNum == sarDen ? null : new Ratio(sarNum, sarDen), Rotation = rotation } : s)] };
        var aspect = source.FirstVideo!.DisplayAspect!;
        int[] rungs = [2160, 1440, 1080, 720, 576, 540, 480, 360, 288, 240, 180, 144];
        var (renditions, dropped) = LadderPlanner.Plan([.. rungs.Select(r => new RenditionRequest(r, null))], source);
        dropped.ShouldBe(rungs.Where(r => r > shortSide).Select(r => $"{r}p"));
        renditions.Count.ShouldBe(rungs.Count(r => r <= shortSide));
        foreach (var r in renditions)
        {
            (r.Width % 2, r.Height % 2).ShouldBe((0, 0), r.ToString());
            Math.Min(r.Width, r.Height).ShouldBe(int.Parse(r.Name.TrimEnd('p'), System.Globalization.CultureInfo.InvariantCulture));
            var sar = r.Sar ?? new Ratio(1, 1);
            Ratio.Reduced(r.Width * sar.Num, r.Height * sar.Den).ShouldBe(aspect, $"{r} shows another aspect than the source's {aspect}");
            (sar.Value - 1).ShouldBeInRange(-0.01, 0.01, "pixels stay square within 1 %");
            (r.Width > r.Height).ShouldBe(aspect.Num > aspect.Den);
        }
    }

    [Theory]
    [InlineData(StreamingFormat.Hls, SegmentContainer.Ts, "stream-hls-ts")]
    [InlineData(StreamingFormat.Hls, SegmentContainer.Fmp4, "stream-hls-fmp4")]
    [InlineData(StreamingFormat.Dash, SegmentContainer.Fmp4, "stream-dash")]
    public void Packaging_argv(StreamingFormat format, SegmentContainer segments, string golden)
    {
        var streaming = new StreamingSpec(format, [new(360, 800_000), new(240, 400_000)], 4, segments, 96_000);
        var spec = new StreamSpec("/storage/in.mp4", new OutputSpec("/storage/out/master.m3u8", "hls", null, null), streaming);
        var plan = StreamingPlanner.Plan(spec, streaming, Sized(640, 360, null), "/data/in.mp4", "/data/work/job/package");
        plan.Audio.ShouldBeTrue();
        TestFiles.AssertGolden(golden, plan.Pass.Command.ToArguments());
        Should.Throw<ArgumentException>(() => FfmpegCommand.ForPattern("/in", "relative/%v.m3u8"));
    }
}
