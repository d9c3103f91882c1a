using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Tests;

/// <summary>
/// The trial mux that decides which codec goes in which container: its argv and its reading of ffmpeg's stderr, on
/// canned output. (The real runs against the installed ffmpeg are in FfmpegApi.Tests' OutputFormatTests.)
/// </summary>
public sealed class OutputTrialTests
{
    private static readonly FfmpegCapabilities Caps = new(
        "test",
        [
            new CodecEntry("libx264", "video", "libx264 H.264 / AVC (codec h264)"),
            new CodecEntry("libx265", "video", "libx265 H.265 / HEVC (codec hevc)"),
            new CodecEntry("mpeg2video", "video", "MPEG-2 video"),
            new CodecEntry("aac", "audio", "AAC (Advanced Audio Coding)"),
            new CodecEntry("pcm_s16le", "audio", "PCM signed 16-bit little-endian"),
            new CodecEntry("pcm_s16be", "audio", "PCM signed 16-bit big-endian"),
            new CodecEntry("pcm_s24be", "audio", "PCM signed 24-bit big-endian"),
        ],
        [],
        [],
        [],
        ["mp4", "mpegts", "aiff"],
        ["mov,mp4,m4a,3gp,3g2,mj2", "mpegts", "aiff"]);

    [Fact]
    public void One_run_encodes_each_encoder_once_and_writes_every_pair_through_tee()
    {
        var trial = OutputTrial.Plan(Caps, "/t", globalHeader: true);
        var args = trial.EncodeArguments();
        var text = string.Join(' ', args);

        // Stream options are renamed per stream: video 0..2, audio 0..3.
        text.ShouldContain("-c:v:0 libx264 -preset:v:0 ultrafast -crf:v:0 23 -pix_fmt:v:0 yuv420p");
        text.ShouldContain("-c:v:1 libx265");
        text.ShouldContain("-tag:v:1 hvc1");
        text.ShouldContain("-c:a:0 aac -b:a:0 128k");
        text.ShouldContain("-c:a:3 pcm_s24be");
        args.Count(a => a == "-map").ShouldBe(3 + 4);
        text.ShouldContain("-flags +global_header -f tee");
        OutputTrial.Plan(Caps, "/t", globalHeader: false).EncodeArguments().ShouldNotContain("+global_header");

        var tee = args[^1].Split('|');
        tee.Length.ShouldBe(trial.Slaves.Count);
        tee.ShouldContain(@"[f=mpegts:mpegts_m2ts_mode=1:select=\'0\':onfail=ignore]/t/m2ts-libx264-gh.m2ts");
        tee.ShouldContain(@"[f=webp:loop=0:select=\'1\':onfail=ignore]/t/webp-libx265-gh.webp");

        // An audio encoder is tried beside the container's default video (mp4: libx264, stream 0); audio stream 4 is aac.
        tee.ShouldContain(@"[f=mp4:select=\'0,3\':onfail=ignore]/t/mp4-aac-gh.mp4");
        tee.ShouldContain(@"[f=mp4:select=\'3\':onfail=ignore]/t/mp4-aac-alone-gh.mp4");
        // Audio-only containers get the audio alone, and nothing for video.
        tee.ShouldContain(@"[f=aiff:select=\'4\':onfail=ignore]/t/aiff-pcm_s16le-gh.aiff");
        tee.ShouldNotContain(s => s.Contains("/t/aiff-libx264", StringComparison.Ordinal));

        trial.Slaves.Single(s => s.File == "/t/mp4-libx264-gh.mp4").Reference.ShouldBeTrue();
        trial.Slaves.Single(s => s.File == "/t/aiff-pcm_s16le-gh.aiff").Reference.ShouldBeTrue("pcm's first encoder is the default of aiff");
        trial.Slaves.Single(s => s.File == "/t/mp4-aac-gh.mp4").Reference.ShouldBeFalse();
    }

    [Fact]
    public void Failures_are_read_from_the_tee_muxer_and_from_an_encoder_that_cannot_open()
    {
        OutputTrial.FailedSlaves([
            "[mp4 @ 0x1] Could not find tag for codec pcm_s16le in stream #0, codec not currently supported in container",
            "[tee @ 0x2] Slave '[f=mp4:select='4':onfail=ignore]x.mp4': error writing header: Invalid argument",
            "[tee @ 0x2] Slave muxer #4 failed: Invalid argument, continuing with 10/11 slaves.",
            "[tee @ 0x2] Slave muxer #12 failed: Operation not permitted, continuing with 9/11 slaves.",
        ]).ShouldBe(new HashSet<int> { 4, 12 });

        var trial = OutputTrial.Plan(Caps, "/t", globalHeader: false);
        trial.FailedEncoder(["[dnxhd @ 0x1] Input dimensions too small", "Error initializing output stream 0:1 -- Error while opening encoder for output stream #0:1"]).ShouldBe("libx265");
        trial.FailedEncoder(["Error initializing output stream 0:4 --"]).ShouldBe("pcm_s16le");
        trial.FailedEncoder(["Conversion failed!"]).ShouldBeNull();
    }

    [Fact]
    public void The_read_back_lists_each_opened_input_with_its_demuxer_and_streams()
    {
        var inputs = OutputTrial.ParseReadBack([
            "Input #0, mpegts, from 'file:/t/ts-libx264.ts':",
            "  Duration: 00:00:00.20, start: 1.400000, bitrate: 600 kb/s",
            "  Program 1 ",
            "  Stream #0:0[0x100]: Video: h264 (High) ([27][0][0][0] / 0x001B), yuv420p(progressive), 320x240, 25 fps",
            "  Stream #0:1[0x101](und): Audio: aac (LC) ([15][0][0][0] / 0x000F), 48000 Hz, stereo, fltp, 130 kb/s",
            "Input #1, mpegts, from 'file:/t/ts-libvpx-vp9.ts':",
            "  Stream #1:0[0x100]: Data: bin_data ([6][0][0][0] / 0x0006)",
            "[wmav2 @ 0x5] block_align is not set",
            "[nut @ 0x6] Failed to open codec in avformat_find_stream_info",
            "[nut @ 0x6] Could not find codec parameters for stream 1 (Audio: wmav2, 48000 Hz, 0 channels): unspecified number of channels",
            "Input #2, nut, from 'file:/t/nut-wmav2.nut':",
            "  Stream #2:1: Audio: wmav2 (a[1][0][0] / 0x0161), 48000 Hz, mono, fltp",
            "/t/mp2-aac.mp2: Invalid argument",
        ]);

        inputs.Count.ShouldBe(3);
        inputs[0].Problems.ShouldBeEmpty();
        inputs[2].Problems.Count.ShouldBe(2, "the decoder could not open: the file does not play");
        inputs[0].Format.ShouldBe("mpegts");
        inputs[0].Streams.ShouldBe(["Video: h264 (High) ([27][0][0][0] / 0x001B), yuv420p(progressive), 320x240, 25 fps", "Audio: aac (LC) ([15][0][0][0] / 0x000F), 48000 Hz, stereo, fltp, 130 kb/s"]);
        inputs[1].Streams.ShouldBeEmpty("a data stream is not media");
        OutputTrial.ReadBackArguments(["/t/a.ts"], "mov,mpegts").ShouldBe(["-hide_banner", "-nostdin", "-format_whitelist", "mov,mpegts", "-i", "file:/t/a.ts"]);
    }

    [Fact]
    public void A_pair_counts_when_the_container_s_own_demuxer_reads_back_the_codec_written()
    {
        var trial = OutputTrial.Plan(Caps, "/t", globalHeader: false);
        int Index(string file) => trial.Slaves.Select((s, i) => (s, i)).Single(x => x.s.File == file).i;
        var back = new Dictionary<string, TrialReadBack>
        {
            ["/t/ts-libx264.ts"] = new("mpegts", ["Video: h264 (High), yuv420p, 320x240"]),
            ["/t/ts-libx265.ts"] = new("mpegts", ["Video: hevc (Main), yuv420p, 320x240"]),
            ["/t/ts-mpeg2video.ts"] = new("mpegts", ["Video: mpeg2video (Main), yuv420p, 320x240"]),
            ["/t/ts-aac.ts"] = new("mpegts", ["Video: h264", "Audio: aac (LC), 48000 Hz, stereo, fltp"]),
            ["/t/ts-pcm_s16le.ts"] = new("mpegts", ["Video: h264", "Audio: pcm_s16le, 0 channels"]),
            ["/t/ts-aac-alone.ts"] = new("mpegts", ["Audio: aac (LC), 48000 Hz, stereo, fltp"]),
            ["/t/aiff-pcm_s16le.aiff"] = new("aiff", ["Audio: pcm_s16le (sowt), 48000 Hz, stereo, s16"]),
            ["/t/aiff-pcm_s16be.aiff"] = new("aiff", ["Audio: pcm_s16be, 48000 Hz, stereo, s16"]),
            ["/t/aiff-aac.aiff"] = new("aac", ["Audio: aac (LC), 48000 Hz, stereo, fltp"]),
            ["/t/mp4-libx264.mp4"] = new("mov,mp4,m4a,3gp,3g2,mj2", ["Video: h264 (High) (avc1 / 0x31637661), yuv420p, 320x240"]),
            ["/t/mp4-mpeg2video.mp4"] = new("mov,mp4,m4a,3gp,3g2,mj2", ["Video: mpeg2video (Main) (mp4v / 0x7634706D), yuv420p, 320x240"]),
            ["/t/mp4-pcm_s24be.mp4"] = new("mov,mp4,m4a,3gp,3g2,mj2", ["Video: h264", "Audio: pcm_s24be, 48000 Hz, stereo"]) { Problems = ["Failed to open codec"] },
        };

        var support = trial.Result(new HashSet<int> { Index("/t/mp4-mpeg2video.mp4") }, back);

        support.Containers["ts"].Encoders.ShouldBe(["aac", "libx264", "libx265", "mpeg2video"]);
        support.Containers["ts"].AudioAlone.ShouldBeTrue();
        support.Containers["aiff"].Encoders.ShouldBe(["pcm_s16be", "pcm_s16le"], "raw AAC in .aiff reads back as aac, not aiff");
        support.Containers["mp4"].Encoders.ShouldBe(["libx264"], "the tee muxer said the MPEG-2 slave failed, and the PCM one does not decode");
        support.Containers["mp4"].AudioAlone.ShouldBeFalse("not read back");
        support.Containers["mkv"].Encoders.ShouldBeEmpty();

        // The second run tries only what the first did not find, plus each container's reference pair.
        var second = OutputTrial.Plan(Caps, "/t", globalHeader: true, known: support);
        second.Slaves.ShouldNotContain(s => s.File == "/t/ts-libx265-gh.ts");
        second.Slaves.ShouldContain(s => s.File == "/t/ts-libx264-gh.ts" && s.Reference);
        second.Slaves.ShouldContain(s => s.File == "/t/mp4-mpeg2video-gh.mp4");
        var merged = second.Result(new HashSet<int>(), new Dictionary<string, TrialReadBack>
        {
            ["/t/mp4-libx264-gh.mp4"] = new("mov,mp4,m4a,3gp,3g2,mj2", ["Video: h264 (High), yuv420p, 320x240"]),
            ["/t/mp4-mpeg2video-gh.mp4"] = new("mov,mp4,m4a,3gp,3g2,mj2", ["Video: mpeg2video (Main), yuv420p, 320x240"]),
        }, support);
        merged.Containers["mp4"].Encoders.ShouldBe(["libx264", "mpeg2video"]);
        merged.Containers["ts"].Encoders.ShouldBe(support.Containers["ts"].Encoders);
    }

    [Fact]
    public void The_encoder_for_a_codec_is_one_the_container_takes_in_the_byte_order_it_prefers()
    {
        var caps = Caps with
        {
            Outputs = new OutputSupport(new Dictionary<string, ContainerSupport>
            {
                ["aiff"] = new(["pcm_s16be", "pcm_s16le", "pcm_s24be"], false),
                ["wav"] = new(["pcm_s16le"], false),
                ["mp4"] = new(["aac", "libx264"], true),
            }),
        };

        caps.EncoderFor("aiff", "pcm").ShouldBe("pcm_s16be", "AIFF is big-endian; little-endian is AIFF-C");
        caps.EncoderFor("wav", "pcm").ShouldBe("pcm_s16le");
        caps.EncoderFor("mp4", "pcm").ShouldBeNull();
        caps.EncoderFor("mp4", "h264").ShouldBe("libx264");
        Caps.EncoderFor("mp4", "pcm").ShouldBe("pcm_s16le", "without a trial, the first encoder the build has");

        var mp4 = FormatCatalog.Containers["mp4"];
        caps.VideoCodecs(mp4).ShouldBe(["h264", "copy"]);
        caps.AudioCodecs(mp4).ShouldBe(["aac", "copy"]);
        caps.Outputs!.AudioAlone(FormatCatalog.Containers["mxf"]).ShouldBeFalse();
        caps.VideoCodecs(FormatCatalog.Containers["aiff"]).ShouldBeEmpty();
        Caps.VideoCodecs(FormatCatalog.Containers["gif"]).ShouldBe(["gif"], "unknown: an image container holds its own codec");
        Caps.AudioCodecs(mp4).ShouldContain("alac", "unknown: every name, and ffmpeg decides per job");
    }
}
