using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Progress;

namespace FfmpegApi.Media.Tests;

public sealed class ProgressParserTests
{
    [Fact]
    public void Parses_every_block_of_a_real_progress_stream()
    {
        var parser = new ProgressParser();
        var updates = TestFiles.Read("progress/x264-6s.txt").Split('\n').Select(parser.Feed).OfType<ProgressUpdate>().ToList();

        updates.Count.ShouldBe(4);
        updates[0].Speed.ShouldBeNull(); // "N/A"
        updates[0].BitrateKbps.ShouldBeNull();
        updates[0].Fps.ShouldBe(0); // "0.00" is a value, not unknown
        updates[0].TotalSizeBytes.ShouldBe(48);
        updates[^1].BitrateKbps.ShouldNotBeNull().ShouldBeGreaterThan(0);
        updates[^1].Fps.ShouldNotBeNull();
        updates[1].Speed.ShouldBe(0.631);
        updates[^1].IsEnd.ShouldBeTrue();
        updates[^1].OutTime.ShouldBe(TimeSpan.FromMicroseconds(5880078));
        updates[^1].Frame.ShouldBe(150);
        updates.Select(u => u.OutTime!.Value).ShouldBeInOrder();
        updates.Take(3).ShouldAllBe(u => !u.IsEnd);
    }

    [Fact]
    public void Handles_na_values_negative_times_and_garbage()
    {
        var parser = new ProgressParser();
        parser.Feed("not a key value").ShouldBeNull();
        parser.Feed("=novalue").ShouldBeNull();
        parser.Feed("out_time_us=-9223372036854775807").ShouldBeNull();
        parser.Feed("fps=nan").ShouldBeNull();
        parser.Feed("bitrate=N/A").ShouldBeNull();
        var update = parser.Feed("progress=continue")!;
        update.OutTime.ShouldBeNull();
        update.Fps.ShouldBeNull();
        update.BitrateKbps.ShouldBeNull();
    }

    [Fact]
    public void Each_block_starts_empty()
    {
        var parser = new ProgressParser();
        parser.Feed("speed=2.5x");
        parser.Feed("frame=10");
        parser.Feed("progress=continue")!.Speed.ShouldBe(2.5);
        var second = parser.Feed("progress=continue")!;
        second.Speed.ShouldBeNull("a value from an earlier block must not leak into the next");
        second.Frame.ShouldBeNull();
    }

    [Fact]
    public void Prefers_out_time_us_over_out_time_ms()
    {
        var parser = new ProgressParser();
        parser.Feed("out_time_ms=9000000");
        parser.Feed("out_time_us=2000000");
        parser.Feed("progress=continue")!.OutTime.ShouldBe(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Falls_back_to_out_time_ms_which_is_microseconds()
    {
        var parser = new ProgressParser();
        parser.Feed("out_time_ms=1500000");
        parser.Feed("bitrate= 698.9kbits/s");
        var update = parser.Feed("progress=end")!;
        update.OutTime.ShouldBe(TimeSpan.FromSeconds(1.5));
        update.BitrateKbps.ShouldBe(698.9);
    }

    [Theory]
    [InlineData(5.0, 10.0, 50.0)]
    [InlineData(12.0, 10.0, 100.0)]
    [InlineData(0.0, 10.0, 0.0)]
    public void Percent_is_out_time_over_expected_duration(double outSeconds, double expected, double percent) =>
        ProgressMath.Percent(TimeSpan.FromSeconds(outSeconds), expected).ShouldBe(percent);

    [Fact]
    public void Percent_and_eta_are_null_when_unknown()
    {
        ProgressMath.Percent(TimeSpan.FromSeconds(1), null).ShouldBeNull();
        ProgressMath.Percent(null, 10).ShouldBeNull();
        ProgressMath.Percent(TimeSpan.FromSeconds(1), 0).ShouldBeNull();
        ProgressMath.EtaSeconds(TimeSpan.FromSeconds(1), 10, null).ShouldBeNull();
        ProgressMath.EtaSeconds(TimeSpan.FromSeconds(1), 10, 0).ShouldBeNull();
        ProgressMath.EtaSeconds(TimeSpan.FromSeconds(4), 10, 2).ShouldBe(3);
        ProgressMath.EtaSeconds(TimeSpan.FromSeconds(12), 10, 2).ShouldBe(0);
    }
}

public sealed class FfprobeParserTests
{
    [Fact]
    public void Reads_format_and_streams_of_a_real_probe()
    {
        var info = FfprobeParser.Parse(TestFiles.Read("ffprobe/h264-aac.json"))!;
        info.FormatName.ShouldBe("mov,mp4,m4a,3gp,3g2,mj2");
        info.DurationSeconds!.Value.ShouldBe(2.0, 0.1);
        info.SizeBytes.ShouldNotBeNull().ShouldBeGreaterThan(0);
        info.FirstVideo!.CodecName.ShouldBe("h264");
        info.FirstVideo.Width.ShouldBe(320);
        info.FirstVideo.Height.ShouldBe(240);
        info.FirstVideo.FrameRate.ShouldBe(25);
        info.FirstAudio!.CodecName.ShouldBe("aac");
        info.FirstAudio.SampleRate.ShouldBe(44100);
        info.HasMedia.ShouldBeTrue();
    }

    [Fact]
    public void Audio_only_file_has_no_video()
    {
        var info = FfprobeParser.Parse(TestFiles.Read("ffprobe/mp3-audio-only.json"))!;
        info.FirstVideo.ShouldBeNull();
        info.FirstAudio!.CodecName.ShouldBe("mp3");
        info.DurationSeconds!.Value.ShouldBe(3.0, 0.1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"streams\":[]}")]
    public void Non_probe_text_is_null(string text) => FfprobeParser.Parse(text).ShouldBeNull();

    [Fact]
    public void Missing_format_duration_falls_back_to_streams()
    {
        var info = FfprobeParser.Parse("""{"format":{"format_name":"x"},"streams":[{"index":0,"codec_type":"video","duration":"4.5","avg_frame_rate":"0/0","r_frame_rate":"30000/1001"}]}""")!;
        info.DurationSeconds.ShouldBe(4.5);
        info.FirstVideo!.FrameRate.ShouldBe(29.97);
    }

    [Theory]
    [InlineData("25/1", 25.0)]
    [InlineData("30000/1001", 29.97)]
    [InlineData("0/0", null)]
    [InlineData("24", 24.0)]
    [InlineData("a/b", null)]
    public void Frame_rates(string text, double? expected) => FfprobeParser.ParseRate(text).ShouldBe(expected);
}

public sealed class CapabilitiesParserTests
{
    [Fact]
    public void Parses_real_listings()
    {
        CapabilitiesParser.ParseVersion(TestFiles.Read("capabilities/version.txt")).ShouldStartWith("5.1");
        var encoders = CapabilitiesParser.ParseCodecs(TestFiles.Read("capabilities/encoders.txt"));
        encoders.ShouldContain(e => e.Name == "libx264" && e.Type == "video");
        encoders.ShouldContain(e => e.Name == "aac" && e.Type == "audio");
        encoders.ShouldContain(e => e.Name == "libvpx-vp9");
        encoders.ShouldNotContain(e => e.Name == "=");
        CapabilitiesParser.ParseCodecs(TestFiles.Read("capabilities/decoders.txt")).ShouldContain(d => d.Name == "h264");
        var filters = CapabilitiesParser.ParseFilters(TestFiles.Read("capabilities/filters.txt"));
        filters.ShouldContain("scale");
        filters.ShouldContain("psnr");
        var (muxers, demuxers) = CapabilitiesParser.ParseFormats(TestFiles.Read("capabilities/formats.txt"));
        muxers.ShouldContain("mp4");
        muxers.ShouldContain("webm");
        demuxers.ShouldContain("mov");
        demuxers.ShouldContain("mp4");
        CapabilitiesParser.ParseHwAccels(TestFiles.Read("capabilities/hwaccels.txt")).ShouldContain("vaapi");
    }

    [Fact]
    public void Capabilities_answer_encoder_lookups()
    {
        var caps = new FfmpegCapabilities("x", [new CodecEntry("libx264", "video", "")], [], [], [], [], []);
        caps.HasEncoder("libx264").ShouldBeTrue();
        caps.HasEncoder("libx265").ShouldBeFalse();
        CapabilitiesParser.ParseVersion("garbage").ShouldBe("unknown");
    }
}
