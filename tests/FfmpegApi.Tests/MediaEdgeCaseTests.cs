using FfmpegApi.Media.Process;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>Inputs that break naive pipelines, made by ffmpeg and run as real jobs; outputs read back with ffprobe.</summary>
[Collection(MediaCollection.Name)]
public sealed class MediaEdgeCaseTests(ServerFixture fixture)
{
    private const string Picture = "testsrc2=size=320x240:rate=25:duration=1";
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    public static TheoryData<string, string, string, int> Layouts => new()
    {
        // AC-3 and DTS carry 5.1 as 5.1(side), which libopus refuses as such: the service writes 5.1.
        { "5.1(side)", "ac3", "webm", 6 },
        { "5.1(side)", "ac3", "mp4", 6 },
        // MP3 has at most two channels: 7.1 is downmixed.
        { "7.1", "flac", "mp3", 2 },
        { "7.1", "flac", "ogg", 8 },
        { "mono", "flac", "opus", 1 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task Audio_of_any_layout_is_written_in_one_the_target_codec_takes(string layout, string codec, string output, int channels)
    {
        var name = $"layout-{layout.Replace('(', '-').Replace(")", string.Empty, StringComparison.Ordinal)}.mka";
        await MakeAsync(name, "-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=1", "-af", $"aformat=channel_layouts={layout}", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", codec);
        var done = await _client.WaitForEndAsync(await _client.SubmitAsync(JobClient.Json(new { input = $"/storage/input/edge/{name}", output })));
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        probe.FirstAudio!.Channels.ShouldBe(channels);
        probe.FirstAudio.DurationSeconds.GetValueOrDefault(probe.DurationSeconds ?? 0).ShouldBe(1.0, 0.1);
    }

    [Fact]
    public async Task A_podcast_mp3_with_cover_art_converts_to_mp4_without_taking_the_cover_for_the_video()
    {
        var cover = Path.Combine(_server.StorageRoot, "input", "edge", "cover.jpg");
        await TestMedia.FfmpegAsync("-f", "lavfi", "-i", "color=c=red:s=300x300", "-frames:v", "1", cover);
        await MakeAsync("podcast.mp3", "-f", "lavfi", "-i", "sine=duration=2", "-i", cover, "-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame", "-c:v", "mjpeg", "-disposition:v", "attached_pic", "-id3v2_version", "3");
        var source = await TestMedia.ProbeAsync(Path.Combine(_server.StorageRoot, "input", "edge", "podcast.mp3"));
        source.Streams.ShouldContain(s => s.IsAttachedPicture);

        var done = await _client.WaitForEndAsync(await _client.SubmitAsync("""{"input":"/storage/input/edge/podcast.mp3","output":"mp4"}"""));
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        probe.FirstAudio!.CodecName.ShouldBe("aac");
        probe.Streams.ShouldNotContain(s => s.CodecType == "video" && !s.IsAttachedPicture, "a cover image is not a video track");
        probe.DurationSeconds!.Value.ShouldBe(2.0, 0.1);
    }

    [Fact]
    public async Task A_codec_the_container_cannot_hold_fails_with_its_own_code_and_ffmpegs_reason()
    {
        await MakeAsync("pcm.mov", "-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", "sine=duration=1", "-c:v", "mpeg4", "-c:a", "pcm_s16le");
        var done = await _client.WaitForEndAsync(await _client.SubmitAsync("""{"input":"/storage/input/edge/pcm.mov","output":{"format":"mp4","audio":{"codec":"copy"}}}"""));
        done["status"]!.GetValue<string>().ShouldBe("failed");
        done["error"]!["code"]!.GetValue<string>().ShouldBe("UNSUPPORTED_CODEC_FOR_CONTAINER");
        var message = done["error"]!["message"]!.GetValue<string>();
        message.ShouldStartWith("ffmpeg failed: the output container cannot hold pcm_s16le (stream #1): [mp4] Could not find tag for codec pcm_s16le");
        message.ShouldNotContain("Conversion failed!");
        message.ShouldNotContain(_server.DataDir);
    }

    [Fact]
    public async Task A_video_only_output_from_an_audio_only_input_says_there_is_no_video()
    {
        await MakeAsync("tone.wav", "-f", "lavfi", "-i", "sine=duration=1");

        // Twice: the second probe comes from the cache and rejects the input before ffmpeg has started, which must end
        // the job as failed too (it used to sit in processing until its lease ran out).
        for (var i = 0; i < 2; i++)
        {
            var done = await _client.WaitForEndAsync(await _client.SubmitAsync("""{"input":"/storage/input/edge/tone.wav","output":"gif"}"""), 20);
            done["status"]!.GetValue<string>().ShouldBe("failed");
            done["error"]!["code"]!.GetValue<string>().ShouldBeOneOf("INVALID_INPUT", "NO_MATCHING_STREAM");
            done["error"]!["message"]!.GetValue<string>().ShouldContain("video", Case.Insensitive);
        }
    }

    [Fact]
    public async Task Input_audio_track_picks_a_track_and_a_missing_one_is_refused_with_the_count()
    {
        await MakeAsync("tracks.mkv", "-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-f", "lavfi", "-i", "aevalsrc=sin(880*2*PI*t)|sin(880*2*PI*t):s=48000:d=1", "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac");
        async Task<System.Text.Json.Nodes.JsonNode> ConvertAsync(object input) =>
            await _client.WaitForEndAsync(await _client.SubmitAsync(JobClient.Json(new { input, output = "mp4" })), 60);

        var first = await ConvertAsync("/storage/input/edge/tracks.mkv");
        (await TestMedia.ProbeAsync(_server.Physical(first["output"]!["path"]!.GetValue<string>()))).FirstAudio!.Channels.ShouldBe(1, "the first track by default");
        var second = await ConvertAsync(new { path = "/storage/input/edge/tracks.mkv", audio_track = 1 });
        second["status"]!.GetValue<string>().ShouldBe("completed", second.ToJsonString());
        var probe = await TestMedia.ProbeAsync(_server.Physical(second["output"]!["path"]!.GetValue<string>()));
        probe.Streams.Count(s => s.CodecType == "audio").ShouldBe(1);
        probe.FirstAudio!.Channels.ShouldBe(2, "the second (stereo) track");

        var missing = await ConvertAsync(new { path = "/storage/input/edge/tracks.mkv", audio_track = 5 });
        missing["status"]!.GetValue<string>().ShouldBe("failed");
        missing["error"]!["code"]!.GetValue<string>().ShouldBe("INVALID_INPUT");
        missing["error"]!["message"]!.GetValue<string>().ShouldBe("input.audio_track is 5, but the input has 2 audio tracks (numbered from 0).");

        var stream = await _client.WaitForEndAsync(await _client.SubmitToAsync("/api/v1/stream", """{"input":{"path":"/storage/input/edge/tracks.mkv","audio_track":1},"type":"hls","segment_duration":1,"variants":[{"resolution":"144p"}]}"""), 120);
        stream["status"]!.GetValue<string>().ShouldBe("completed", stream.ToJsonString());

        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", """{"input":{"path":"/storage/input/edge/tracks.mkv","audio_track":-1},"output":"mp4"}""");
        status.ShouldBe(System.Net.HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!.AsObject().Select(e => e.Key).ShouldContain("input.audio_track");
        (await _client.PostJsonAsync("/api/v1/thumbnails", """{"input":{"path":"/storage/input/edge/tracks.mkv","audio_track":1}}""")).Status.ShouldBe(System.Net.HttpStatusCode.UnprocessableEntity, "thumbnails have no audio to pick");
    }

    [Fact]
    public async Task Tonemap_turns_hdr10_into_tagged_sdr_bt709()
    {
        await MakeAsync("hdr10.mp4", "-f", "lavfi", "-i", Picture, "-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc");
        var done = await _client.WaitForEndAsync(await _client.SubmitAsync("""{"input":"/storage/input/edge/hdr10.mp4","output":"mp4","operations":[{"type":"tonemap","curve":"mobius"}]}"""));
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var file = _server.Physical(done["output"]!["path"]!.GetValue<string>());
        (await TestMedia.StreamFieldAsync(file, "pix_fmt")).ShouldBe("yuv420p");
        (await TestMedia.StreamFieldAsync(file, "color_transfer")).ShouldBe("bt709");
        (await TestMedia.StreamFieldAsync(file, "color_primaries")).ShouldBe("bt709");

        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/edge/hdr10.mp4","output":"mp4","operations":[{"type":"tonemap","curve":"filmic"}]}""");
        status.ShouldBe(System.Net.HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!["operations[0].curve"].ShouldNotBeNull();
    }

    [Theory]
    [InlineData("smpte2084", "h265", "mkv")]
    [InlineData("arib-std-b67", "h265", "mp4")]
    [InlineData("smpte2084", "av1", "mp4")]
    [InlineData("arib-std-b67", "vp9", "webm")]
    public async Task An_hdr_source_stays_10_bit_hdr_where_the_output_codec_can_carry_it(string transfer, string codec, string format)
    {
        var name = $"hdr-{transfer}.mkv";
        if (!File.Exists(Path.Combine(_server.StorageRoot, "input", "edge", name)))
        {
            // PQ sources carry HDR10 static metadata, as graded masters do.
            var x265 = transfer == "smpte2084" ? "log-level=error:hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400" : "log-level=error";
            await MakeAsync(name, "-f", "lavfi", "-i", Picture, "-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", x265,
                "-color_primaries", "bt2020", "-color_trc", transfer, "-colorspace", "bt2020nc");
        }

        var body = JobClient.Json(new { input = $"/storage/input/edge/{name}", output = new { path = $"/storage/output/hdr/{transfer}-{codec}.{format}", video = new { codec, preset = "ultrafast" } } });
        var done = await _client.WaitForEndAsync(await _client.SubmitAsync(body), 120);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var file = _server.Physical(done["output"]!["path"]!.GetValue<string>());
        (await TestMedia.StreamFieldAsync(file, "pix_fmt")).ShouldBe("yuv420p10le", $"{codec}: 10-bit kept");
        (await TestMedia.StreamFieldAsync(file, "color_transfer")).ShouldBe(transfer);
        (await TestMedia.StreamFieldAsync(file, "color_primaries")).ShouldBe("bt2020");
        (await TestMedia.StreamFieldAsync(file, "color_space")).ShouldBe("bt2020nc");
        if (transfer == "smpte2084" && codec is "h265" or "av1")
        {
            var frame = await FfmpegApi.Media.Process.FfmpegProcess.CaptureAsync("ffprobe", FfmpegApi.Media.Probe.HdrMetadata.Arguments(file, "matroska,mov,mp4"), TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            var hdr = FfmpegApi.Media.Probe.HdrMetadata.Parse(frame.Stdout).ShouldNotBeNull($"{codec}: the mastering display is carried");
            (Math.Round(hdr.MaxLuminance), hdr.MaxCll, hdr.MaxFall).ShouldBe((1000.0, (int?)1000, (int?)400));
            Math.Round(hdr.Green.Y, 3).ShouldBe(0.69);
        }

        // H.264 stays as asked (8-bit), and so does an explicit pixel format.
        var sdr = await _client.WaitForEndAsync(await _client.SubmitAsync(JobClient.Json(new { input = $"/storage/input/edge/{name}", output = new { path = $"/storage/output/hdr/{transfer}-{codec}-8bit.{format}", video = new { codec, preset = "ultrafast", pixel_format = "yuv420p" } } })), 120);
        sdr["status"]!.GetValue<string>().ShouldBe("completed", sdr.ToJsonString());
        (await TestMedia.StreamFieldAsync(_server.Physical(sdr["output"]!["path"]!.GetValue<string>()), "pix_fmt")).ShouldBe("yuv420p");
    }

    private Task MakeAsync(string name, params string[] args) =>
        TestMedia.FfmpegAsync([.. args, "-t", "2", Path.Combine(_server.StorageRoot, "input", "edge", name)]);
}
