using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Tests;

public sealed class SpecTests
{
    [Theory]
    [InlineData("1280x720", 1280, 720)]
    [InlineData("640:360", 640, 360)]
    [InlineData("720p", 1280, 720)]
    [InlineData("4K", 3840, 2160)]
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
    [InlineData("wmv", null)]
    public void Video_codec_names_normalize(string name, string? expected) => FormatCatalog.NormalizeVideoCodec(name).ShouldBe(expected);

    [Theory]
    [InlineData("libmp3lame", "mp3")]
    [InlineData("libopus", "opus")]
    [InlineData("pcm_s16le", "pcm")]
    [InlineData("ac3", null)]
    public void Audio_codec_names_normalize(string name, string? expected) => FormatCatalog.NormalizeAudioCodec(name).ShouldBe(expected);

    [Fact]
    public void Containers_and_aliases()
    {
        FormatCatalog.FindContainer(".MKV")!.Muxer.ShouldBe("matroska");
        FormatCatalog.FindContainer("matroska")!.Name.ShouldBe("mkv");
        FormatCatalog.FindContainer("mp3")!.IsAudioOnly.ShouldBeTrue();
        FormatCatalog.FindContainer("exe").ShouldBeNull();
        FormatCatalog.Containers["webm"].VideoCodecs.ShouldNotContain("prores");
        FormatCatalog.Containers.Values.ShouldAllBe(c => c.DefaultAudioCodec == null ? c.AudioCodecs.Count == 0 : c.AudioCodecs.Contains(c.DefaultAudioCodec));
        FormatCatalog.Containers.Values.Where(c => !c.IsAudioOnly).ShouldAllBe(c => c.VideoCodecs.Contains(c.DefaultVideoCodec!));
    }
}
