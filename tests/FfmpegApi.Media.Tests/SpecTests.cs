using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Tests;

public sealed class SpecTests
{
    [Theory]
    [InlineData("1280x720", 1280, 720)]
    [InlineData("640:360", 640, 360)]
    [InlineData("720p", 1280, 720)]
    [InlineData("4K", 3840, 2160)]
    [InlineData("144p", 256, 144)]
    [InlineData("180p", 320, 180)]
    [InlineData("576p", 1024, 576)]
    [InlineData("1200P", 2134, 1200)]
    public void Resolutions_parse(string text, int w, int h)
    {
        Resolution.TryParse(text, out var width, out var height).ShouldBeTrue();
        (width, height).ShouldBe((w, h));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("1280")]
    [InlineData("0x720")]
    [InlineData("99999x10")]
    [InlineData("-2x10")]
    [InlineData("axb")]
    [InlineData("p")]
    [InlineData("1p")]
    [InlineData("9000p")]
    [InlineData("-5p")]
    public void Bad_resolutions_are_refused(string? text) => Resolution.TryParse(text, out _, out _).ShouldBeFalse();

    [Theory]
    [InlineData("128k", 128_000)]
    [InlineData("2.5M", 2_500_000)]
    [InlineData("800000", 800_000)]
    [InlineData("5Mbps", 5_000_000)]
    [InlineData("1G", 1_000_000_000)]
    [InlineData("1k", 1_000)]
    public void Bitrates_parse(string text, long bps)
    {
        Bitrate.TryParse(text, out var value).ShouldBeTrue();
        value.ShouldBe(bps);
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("10")]
    [InlineData("5G")]
    [InlineData("-1k")]
    [InlineData("999")]
    [InlineData("1.5G")]
    [InlineData(null)]
    public void Bad_bitrates_are_refused(string? text) => Bitrate.TryParse(text, out _).ShouldBeFalse();

    [Theory]
    [InlineData("hevc", "h265")]
    [InlineData("libx264", "h264")]
    [InlineData("H264", "h264")]
    [InlineData("copy", "copy")]
    [InlineData("libsvtav1", "av1")]
    [InlineData("wmv", "wmv2")]
    [InlineData("mpeg2video", "mpeg2")]
    [InlineData("dnxhr", "dnxhd")]
    [InlineData("aac", null)]
    public void Video_codec_names_normalize(string name, string? expected) => FormatCatalog.NormalizeVideoCodec(name).ShouldBe(expected);

    [Theory]
    [InlineData("libmp3lame", "mp3")]
    [InlineData("libopus", "opus")]
    [InlineData("pcm_s16le", "pcm")]
    [InlineData("pcm_s24be", "pcm_s24")]
    [InlineData("pcm_f32le", "pcm_f32")]
    [InlineData("ac3_fixed", "ac3")]
    [InlineData("ac3", "ac3")]
    [InlineData("h264", null)]
    public void Audio_codec_names_normalize(string name, string? expected) => FormatCatalog.NormalizeAudioCodec(name).ShouldBe(expected);

    [Fact]
    public void Containers_and_aliases()
    {
        FormatCatalog.FindContainer(".MKV")!.Muxer.ShouldBe("matroska");
        FormatCatalog.FindContainer("matroska")!.Name.ShouldBe("mkv");
        FormatCatalog.FindContainer("mp3")!.IsAudioOnly.ShouldBeTrue();
        FormatCatalog.FindContainer("exe").ShouldBeNull();
        FormatCatalog.FindContainer("mts")!.MuxerOptions.ShouldBe(["-mpegts_m2ts_mode", "1"]);
        FormatCatalog.FindContainer("asf")!.Muxer.ShouldBe("asf");
        FormatCatalog.AliasesOf("mkv").ShouldBe(["matroska"]);
        FormatCatalog.Containers.Values.ShouldAllBe(c => c.DefaultVideoCodec == null || FormatCatalog.VideoEncoders.ContainsKey(c.DefaultVideoCodec));
        FormatCatalog.Containers.Values.ShouldAllBe(c => c.DefaultAudioCodec == null || FormatCatalog.AudioEncoders.ContainsKey(c.DefaultAudioCodec));
    }

    [Theory]
    [InlineData(7680, 4320, true)]
    [InlineData(4320, 7680, true)] // portrait: either orientation
    [InlineData(7681, 4320, false)]
    [InlineData(4321, 4321, false)]
    [InlineData(8000, null, false)]
    [InlineData(null, 7680, true)]
    [InlineData(null, null, true)]
    public void A_frame_limit_holds_either_way_round(int? width, int? height, bool fits) =>
        new FrameLimit(7680, 4320).Fits(width, height).ShouldBe(fits);

    [Fact]
    public void A_frame_limit_names_each_field_that_asks_for_too_much()
    {
        var limit = new FrameLimit(640, 360);
        var spec = new ConvertSpec(
            "/storage/in.mp4",
            new OutputSpec("/storage/out.mp4", "mp4", new VideoSpec("h264", Width: 1280, Height: 720), null),
            [new ScaleOperation(1000, null), new PadOperation(640, 360), new CropOperation(2000, 2000)])
        {
            ExtraOutputs = [new OutputSpec("/storage/b.mp4", "mp4", new VideoSpec("h264", Width: 320, Height: 180), null)],
        };
        var stream = new StreamSpec("/storage/in.mp4", new OutputSpec("/storage/hls/master.m3u8", "hls", null, null), new Streaming.StreamingSpec(Streaming.StreamingFormat.Hls, [new Streaming.RenditionRequest(360, null), new Streaming.RenditionRequest(720, null)]));

        limit.Check(spec).Select(e => e.Field).ShouldBe(["outputs[0].video.resolution", "operations[0]"]);
        limit.Check(stream).Select(e => e.Field).ShouldBe(["variants[1].resolution"]);
        limit.Check(new ThumbnailsSpec("/storage/in.mp4", new OutputSpec("/storage/t/thumb.jpg", "jpg", null, null), new Thumbnails.ThumbnailSpec(Thumbnails.ThumbnailMode.One, Time: 1))).ShouldBeEmpty();
        limit.ToString().ShouldBe("640x360");
        var wide = new Probe.MediaInfo("mov", 1, null, null, [new Probe.StreamInfo(0, "video", "h264", 800, 450, 25, null, null, 1, false)]);
        limit.Reject(wide, "The input").ShouldBe("The input is 800x450; this server processes frames up to 640x360 (Jobs:MaxWidth/Jobs:MaxHeight).");
        limit.Reject(wide with { Streams = [] }, "The input").ShouldBeNull();
    }
}
