using System.Globalization;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Processing;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Process;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// Inputs may use every demuxer of the installed ffmpeg except the reviewed deny list: checked against the build's
/// own listings, every denied demuxer forced on ffprobe, crafted files that would read outside the mount, and the
/// formats users bring run as real jobs.
/// </summary>
[Collection(MediaCollection.Name)]
public sealed class InputFormatTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    [Fact]
    public async Task Inputs_may_use_every_demuxer_of_the_build_but_the_denied_ones_and_devices()
    {
        var (_, demuxers) = CapabilitiesParser.ParseFormats(await FfmpegAsync("-demuxers"));
        var (_, devices) = CapabilitiesParser.ParseFormats(await FfmpegAsync("-devices"));
        demuxers.Count.ShouldBeGreaterThan(100, "Debian's ffmpeg has some 350 demuxers");
        var expected = demuxers.Where(d => !DemuxerPolicy.Denied.ContainsKey(d) && !devices.Contains(d)).Distinct().Order(StringComparer.Ordinal).ToList();

        var caps = await _server.Service<FfmpegTools>().GetInputCapabilitiesAsync();
        caps.InputFormats.ShouldBe(expected);
        caps.InputFormatWhitelist.Split(',').ShouldBe(expected);
        foreach (var name in (string[])["hls", "dash", "concat", "image2", "lavfi", "sdp", "rtsp", "rtp", "vobsub"])
        {
            caps.InputFormats.ShouldNotContain(name);
        }

        foreach (var name in (string[])["nut", "dv", "gxf", "m4v", "apng", "dts", "tta", "mov", "matroska", "mxf", "mpegts"])
        {
            caps.InputFormats.ShouldContain(name);
        }

        var body = await _client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/capabilities", UriKind.Relative));
        var input = body!["formats"]!["input"]!;
        input["demuxers"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(expected);
        var refused = input["refused"]!.AsArray().ToDictionary(n => n!["name"]!.GetValue<string>(), n => n!["reason"]!.GetValue<string>());
        refused.Keys.Order(StringComparer.Ordinal).ShouldBe(demuxers.Except(expected).Distinct().Order(StringComparer.Ordinal));
        refused["hls"].ShouldContain("playlist");
        refused["alsa"].ShouldContain("device");
    }

    [Fact]
    public async Task Every_denied_demuxer_of_the_build_is_refused_before_it_reads_anything_even_when_forced()
    {
        var caps = await _server.Service<FfmpegTools>().GetInputCapabilitiesAsync();
        var denied = caps.Demuxers.Except(caps.InputFormats).Distinct().ToList();
        denied.ShouldContain("hls");
        // A name with a pattern character: image2 may read a plain single image name (see DemuxerPolicy.ForFile).
        var file = Path.Combine(_server.StorageRoot, "input", "forced%03d.mp4");
        File.Copy(Path.Combine(_server.StorageRoot, "input", "short.mp4"), file, overwrite: true);
        var results = await Task.WhenAll(denied.Select(async name =>
        {
            // The service's own ffprobe argv with the format forced: the whitelist check comes before the demuxer opens.
            var args = FfprobeParser.Arguments(file, caps.InputFormatWhitelist).ToList();
            args.InsertRange(args.Count - 1, ["-f", name]);
            var result = await FfmpegProcess.CaptureAsync("ffprobe", args, TimeSpan.FromSeconds(30), CancellationToken.None);
            return (name, result.ExitCode, Refused: InputRefusal.Demuxer(result.StderrTail));
        }));
        foreach (var (name, exit, refused) in results)
        {
            exit.ShouldNotBe(0, name);
            refused.ShouldNotBeNull($"ffprobe -f {name} was not refused by the whitelist");
            refused.Split(',').ShouldContain(name);
        }
    }

    /// <summary>Files inside the mount that would make a denied demuxer read a media file outside it.</summary>
    public static TheoryData<string, string, string> Crafted => new()
    {
        { "list.m3u8", "hls", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nfile:{OUTSIDE}\n#EXT-X-ENDLIST\n" },
        { "list.ffconcat", "concat", "ffconcat version 1.0\nfile '{OUTSIDE}'\n" },
        { "manifest.mpd", "dash", "<?xml version=\"1.0\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" type=\"static\" mediaPresentationDuration=\"PT2S\" minBufferTime=\"PT1S\" profiles=\"urn:mpeg:dash:profile:isoff-on-demand:2011\"><Period><AdaptationSet mimeType=\"video/mp4\"><Representation id=\"1\" bandwidth=\"1000\"><BaseURL>file://{OUTSIDE}</BaseURL></Representation></AdaptationSet></Period></MPD>\n" },
        { "session.sdp", "sdp", "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n" },
        { "frame%03d.png", "image2", string.Empty },
    };

    [Theory]
    [MemberData(nameof(Crafted))]
    public async Task A_file_that_a_denied_demuxer_would_read_fails_as_invalid_input_naming_the_format(string name, string demuxer, string content)
    {
        var outside = Path.Combine(_server.DataDir, "outside.mp4");
        if (!File.Exists(outside))
        {
            File.Copy(Path.Combine(_server.StorageRoot, "input", "short.mp4"), outside, overwrite: true);
        }

        var folder = Path.Combine(_server.StorageRoot, "input", "crafted");
        Directory.CreateDirectory(folder);
        if (demuxer == "image2")
        {
            // A real PNG whose name is a sequence pattern: image2 would read frame001.png, frame002.png, … instead.
            await TestMedia.ImageAsync(Path.Combine(folder, "frame001.png"), "green", 32, 32);
            File.Copy(Path.Combine(folder, "frame001.png"), Path.Combine(folder, name), overwrite: true);
        }
        else
        {
            await File.WriteAllTextAsync(Path.Combine(folder, name), content.Replace("{OUTSIDE}", outside, StringComparison.Ordinal));
        }
        var id = await _client.SubmitAsync(JobClient.Json(new { input = $"/storage/input/crafted/{name}", output = "mkv" }));
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("failed", done.ToJsonString());
        done["error"]!["code"]!.GetValue<string>().ShouldBe("INVALID_INPUT");
        var message = done["error"]!["message"]!.GetValue<string>();
        message.ShouldStartWith($"Input is in the format '{demuxer}', which inputs may not use: ");
        message.ShouldContain(DemuxerPolicy.Denied[demuxer]);
        message.ShouldNotContain(_server.DataDir);
        File.Exists(_server.Physical($"/storage/output/{id}.mkv")).ShouldBeFalse();
    }

    /// <summary>
    /// Formats users bring (the original service's input list and the ones reported as refused), made by the installed
    /// ffmpeg: name, file name, the encode that makes it (after a 1 s 320x240 test picture and a 48 kHz tone), and
    /// whether it has video.
    /// </summary>
    internal static readonly (string Format, string File, string Encode, bool Video)[] SampleList =
    [
        ("nut", "a.nut", "-f nut", true),
        ("dv", "a.dv", "-s 720x576 -r 25 -pix_fmt yuv420p -c:v dvvideo -c:a pcm_s16le -ac 2 -f dv", true),
        ("gxf", "a.gxf", "-s 720x576 -r 25 -c:v mpeg2video -c:a pcm_s16le -ac 1 -f gxf", true),
        ("m4v", "a.m4v", "-an -c:v mpeg4 -f m4v", true),
        ("apng", "a.png", "-an -f apng -plays 0", true),
        ("dts", "a.dts", "-vn -c:a dca -strict -2 -f dts", false),
        ("tta", "a.tta", "-vn -c:a tta -f tta", false),
        ("avi", "a.avi", "-c:v mpeg4 -c:a mp3 -f avi", true),
        ("mov", "a.mov", "-c:v mpeg4 -c:a pcm_s16le -f mov", true),
        ("mkv", "a.mkv", "-c:v libx264 -preset ultrafast -c:a flac -f matroska", true),
        ("webm", "a.webm", "-c:v libvpx -deadline realtime -c:a libvorbis -f webm", true),
        ("flv", "a.flv", "-c:v flv -c:a mp3 -ar 44100 -f flv", true),
        ("wmv", "a.wmv", "-c:v wmv2 -c:a wmav2 -f asf", true),
        ("mpg", "a.mpg", "-c:v mpeg1video -c:a mp2 -f mpeg", true),
        ("vob", "a.vob", "-c:v mpeg2video -c:a ac3 -f vob", true),
        ("3gp", "a.3gp", "-s 176x144 -c:v h263 -c:a aac -ar 8000 -ac 1 -f 3gp", true),
        ("3g2", "a.3g2", "-s 176x144 -c:v h263 -c:a aac -ar 8000 -ac 1 -f 3g2", true),
        ("mxf", "a.mxf", "-s 720x576 -r 25 -c:v mpeg2video -c:a pcm_s16le -f mxf", true),
        ("ts", "a.ts", "-c:v libx264 -preset ultrafast -c:a aac -f mpegts", true),
        ("m2ts", "a.m2ts", "-c:v libx264 -preset ultrafast -c:a ac3 -mpegts_m2ts_mode 1 -f mpegts", true),
        ("ogv", "a.ogv", "-c:v libtheora -c:a libvorbis -f ogg", true),
        ("y4m", "a.y4m", "-an -pix_fmt yuv420p -f yuv4mpegpipe", true),
        ("ivf", "a.ivf", "-an -c:v libvpx -deadline realtime -f ivf", true),
        ("h264", "a.h264", "-an -c:v libx264 -preset ultrafast -f h264", true),
        ("mjpeg", "a.mjpeg", "-an -c:v mjpeg -f mjpeg", true),
        ("mp3", "a.mp3", "-vn -c:a libmp3lame -f mp3", false),
        ("wav", "a.wav", "-vn -c:a pcm_s16le -f wav", false),
        ("flac", "a.flac", "-vn -c:a flac -f flac", false),
        ("aac", "a.aac", "-vn -c:a aac -f adts", false),
        ("ogg", "a.ogg", "-vn -c:a libvorbis -f ogg", false),
        ("opus", "a.opus", "-vn -c:a libopus -f opus", false),
        ("wma", "a.wma", "-vn -c:a wmav2 -f asf", false),
        ("m4a", "a.m4a", "-vn -c:a aac -f ipod", false),
        ("alac", "b.m4a", "-vn -c:a alac -f ipod", false),
        ("aiff", "a.aiff", "-vn -c:a pcm_s16be -f aiff", false),
        ("ac3", "a.ac3", "-vn -c:a ac3 -f ac3", false),
        ("eac3", "a.eac3", "-vn -c:a eac3 -f eac3", false),
        ("mp2", "a.mp2", "-vn -c:a mp2 -f mp2", false),
        ("mka", "a.mka", "-vn -c:a flac -f matroska", false),
        ("wv", "a.wv", "-vn -c:a wavpack -f wv", false),
        ("caf", "a.caf", "-vn -c:a pcm_s16le -f caf", false),
        ("au", "a.au", "-vn -c:a pcm_s16be -f au", false),
        ("w64", "a.w64", "-vn -c:a pcm_s16le -f w64", false),
        ("spx", "a.spx", "-vn -ar 16000 -c:a libspeex -f ogg", false),
        ("truehd", "a.thd", "-vn -c:a truehd -strict -2 -f truehd", false),
    ];

    public static TheoryData<string, string, string, bool> Samples()
    {
        var data = new TheoryData<string, string, string, bool>();
        foreach (var (format, file, encode, video) in SampleList)
        {
            data.Add(format, file, encode, video);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_format_users_bring_converts_to_mp4_or_m4a(string format, string file, string encode, bool video)
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "media formats do not depend on the database: the SQLite pass runs them");
        var path = Path.Combine(_server.StorageRoot, "input", "formats", format, file);
        await TestMedia.FfmpegAsync(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=1", "-shortest", .. encode.Split(' '), path]);

        var source = await TestMedia.ProbeAsync(path);
        var output = video ? "mp4" : "m4a";
        var id = await _client.SubmitAsync(JobClient.Json(new { input = $"/storage/input/formats/{format}/{file}", output }));
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        if (video)
        {
            probe.FirstVideo!.CodecName.ShouldBe("h264");
        }
        else
        {
            probe.FirstVideo.ShouldBeNull();
            probe.FirstAudio!.CodecName.ShouldBe("aac");
        }

        // As long as the sample reads (raw streams have no duration: then ~1 s). With video, the picture's length: GXF
        // pads its audio packets (bare ffmpeg reads 1.38 s of audio from this 1 s file too).
        var length = video ? probe.FirstVideo!.DurationSeconds : probe.DurationSeconds;
        length!.Value.ShouldBe(source.DurationSeconds ?? 1.0, 0.15, string.Create(CultureInfo.InvariantCulture, $"{format}: {length} against {source.DurationSeconds}"));
    }

    private static async Task<string> FfmpegAsync(string flag)
    {
        var result = await FfmpegProcess.CaptureAsync("ffmpeg", ["-hide_banner", flag], TimeSpan.FromSeconds(30), CancellationToken.None);
        result.Succeeded.ShouldBeTrue();
        return result.Stdout;
    }
}
