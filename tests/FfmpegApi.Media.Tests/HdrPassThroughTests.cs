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
        var spec = new JobSpec("/storage/input/in.mkv", new OutputSpec("/storage/output/o." + format, format, video ?? new VideoSpec(codec), new AudioSpec("aac")), ops);
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
        JobPlanner.RequiresProbe(new JobSpec("/i", new OutputSpec("/o.mkv", "mkv", new VideoSpec(codec), null), [])).ShouldBeTrue("the plan depends on the source's transfer");
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
        JobPlanner.RequiresProbe(new JobSpec("/i", new OutputSpec("/o.mp4", "mp4", new VideoSpec("h264"), null), [])).ShouldBeFalse();
    }
}
