using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Tests;

/// <summary>An HDR source keeps 10-bit and its colour tags where the output codec can carry them, and only there.</summary>
public sealed class HdrPassThroughTests
{
    private static readonly MediaInfo Sdr = FfprobeParser.Parse(TestFiles.Read("ffprobe/h264-aac.json"))!;

    private static MediaInfo Hdr(string transfer) => Sdr with
    {
        Streams = [.. Sdr.Streams.Select(s => s.CodecType == "video" ? s with { PixelFormat = "yuv420p10le", ColorTransfer = transfer, ColorPrimaries = "bt2020", ColorSpace = "bt2020nc" } : s)],
    };

    private static string Args(string codec, MediaInfo input, string format = "mkv", VideoSpec? video = null, params OperationSpec[] ops)
    {
        var spec = new ConvertSpec("/storage/input/in.mkv", new OutputSpec("/storage/output/o." + format, format, video ?? new VideoSpec(codec), new AudioSpec("aac")), ops);
        return string.Join(' ', JobPlanner.Plan(spec, input, "/in.mkv", "/o." + format, _ => true).Command.ToArguments());
    }

    [Theory]
    [InlineData("h265", "smpte2084")]
    [InlineData("av1", "arib-std-b67")]
    [InlineData("vp9", "smpte2084")]
    public void Hdr_to_an_hdr_capable_codec_is_10_bit_with_the_source_s_tags(string codec, string transfer)
    {
        var args = Args(codec, Hdr(transfer));
        args.ShouldContain("-pix_fmt yuv420p10le");
        args.ShouldContain($"-color_primaries bt2020 -color_trc {transfer} -colorspace bt2020nc");
        JobPlanner.RequiresProbe(new ConvertSpec("/i", new OutputSpec("/o.mkv", "mkv", new VideoSpec(codec), null), [])).ShouldBeTrue("the plan depends on the source's transfer");
    }

    private const string FirstFrame = """
        { "frames": [ { "media_type": "video", "side_data_list": [
            { "side_data_type": "Mastering display metadata", "red_x": "34000/50000", "red_y": "16000/50000", "green_x": "13250/50000", "green_y": "34500/50000",
              "blue_x": "7500/50000", "blue_y": "3000/50000", "white_point_x": "15635/50000", "white_point_y": "16450/50000", "min_luminance": "1/10000", "max_luminance": "10000000/10000" },
            { "side_data_type": "Content light level metadata", "max_content": 1000, "max_average": 400 },
            { "side_data_type": "H.26[45] User Data Unregistered SEI message" } ] } ] }
        """;

    [Fact]
    public void Hdr10_static_metadata_is_read_from_the_first_frame_and_written_in_each_encoder_s_units()
    {
        var hdr = HdrMetadata.Parse(FirstFrame).ShouldNotBeNull();
        (hdr.MaxLuminance, hdr.MinLuminance, hdr.MaxCll, hdr.MaxFall).ShouldBe((1000.0, 0.0001, (int?)1000, (int?)400));
        hdr.X265Params.ShouldBe("hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400");
        hdr.SvtAv1Params.ShouldBe("mastering-display=G(0.265,0.69)B(0.15,0.06)R(0.68,0.32)WP(0.3127,0.329)L(1000,0.0001):content-light=1000,400");
        HdrMetadata.Parse("""{ "frames": [ { "side_data_list": [ { "side_data_type": "Content light level metadata", "max_content": 1 } ] } ] }""").ShouldBeNull();
        HdrMetadata.Parse("""{ "frames": [] }""").ShouldBeNull();
        HdrMetadata.Parse("not json").ShouldBeNull();
        HdrMetadata.Arguments("/in.mkv", "mov,matroska").ShouldContain(a => a == "%+#1");

        string Planned(string codec, VideoSpec? video = null)
        {
            var spec = new ConvertSpec("/i", new OutputSpec("/o.mkv", "mkv", video ?? new VideoSpec(codec), null), []);
            return string.Join(' ', JobPlanner.Plan(spec, Hdr("smpte2084"), new PlanContext("/in.mkv", "/o.mkv", _ => true) { HdrMetadata = hdr }).Command.ToArguments());
        }

        Planned("h265").ShouldContain("-x265-params log-level=error:hdr10=1:master-display=G(13250,34500)");
        Planned("av1").ShouldContain("-svtav1-params mastering-display=G(0.265,0.69)");
        Planned("vp9").ShouldNotContain("master");
        Planned("h265", new VideoSpec("h265") { PixelFormat = "yuv420p" }).ShouldNotContain("master-display", Case.Sensitive, "8-bit as asked: no HDR10 messages");
    }

    [Fact]
    public void Both_passes_of_a_two_pass_encode_see_the_same_bit_depth()
    {
        var spec = new ConvertSpec("/i", new OutputSpec("/o.mkv", "mkv", new VideoSpec("h265", Bitrate: "2M") { TwoPass = true }, null), []);
        var plan = JobPlanner.Plan(spec, Hdr("smpte2084"), new PlanContext("/in.mkv", "/o.mkv", _ => true));
        plan.Passes.Count.ShouldBe(2);
        plan.Passes.ShouldAllBe(p => string.Join(' ', p.Command.ToArguments()).Contains("-pix_fmt yuv420p10le"));
    }

    [Fact]
    public void Everything_else_is_written_as_asked()
    {
        Args("h264", Hdr("smpte2084")).ShouldNotContain("-color_trc");
        Args("h264", Hdr("smpte2084")).ShouldContain("-pix_fmt yuv420p");
        Args("h265", Sdr).ShouldNotContain("yuv420p10le");
        Args("h265", Hdr("smpte2084"), video: new VideoSpec("h265") { PixelFormat = "yuv420p" }).ShouldNotContain("yuv420p10le");
        Args("h265", Hdr("smpte2084"), video: new VideoSpec("h265") { Profile = "main" }).ShouldNotContain("-color_trc");
        Args("h265", Hdr("smpte2084"), "mkv", null, new TonemapOperation(TonemapCurve.Hable)).ShouldNotContain("-color_trc smpte2084");
        JobPlanner.RequiresProbe(new ConvertSpec("/i", new OutputSpec("/o.mp4", "mp4", new VideoSpec("h264"), null), [])).ShouldBeFalse();
    }
}
