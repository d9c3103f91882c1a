using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>The operation catalog through HTTP: real jobs checked with ffprobe, and precise 422s for bad fields.</summary>
[Collection(ServerCollection.Name)]
public sealed class OperationsApiTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    private async Task<JsonNode> CompletedAsync(string body)
    {
        var done = await _client.WaitForEndAsync(await _client.SubmitAsync(body));
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        return done;
    }

    [Fact]
    public async Task Picture_operations_in_one_job()
    {
        var done = await CompletedAsync("""
            {"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{"codec":"h264","preset":"ultrafast"}},
             "operations":[
               {"type":"crop","width":300,"height":200},
               {"type":"rotate","angle":-90},
               {"type":"watermark","image":"/storage/input/logo.png","position":"top-left","margin":0,"opacity":0.8,"scale":0.2},
               {"type":"watermark","image":"/storage/input/badge%d.jpg","position":"bottom_right"},
               {"type":"text","text":"Hello, [world]; it's 100%","position":"bottom","font_size":18},
               {"type":"color","contrast":1.1},{"type":"denoise","strength":"light"},{"type":"sharpen"},
               {"type":"fade","direction":"in","duration":0.3},{"type":"fade","direction":"out","duration":0.3},
               {"type":"volume","gain_db":-3}]}
            """);
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        (probe.FirstVideo!.Width, probe.FirstVideo.Height).ShouldBe((200, 300));
        probe.FirstAudio!.CodecName.ShouldBe("aac");
        probe.DurationSeconds!.Value.ShouldBe(2, 0.1);
        done["operations"]!.AsArray().Select(o => o!["type"]!.GetValue<string>())
            .ShouldBe(["crop", "rotate", "watermark", "watermark", "text", "color", "denoise", "sharpen", "fade", "fade", "volume"]);
    }

    [Fact]
    public async Task Speed_and_remove_audio()
    {
        var done = await CompletedAsync("""
            {"input":"/storage/input/ten.mp4","output":{"format":"webm","video":{"codec":"vp9","preset":"ultrafast","crf":45}},
             "operations":[{"type":"trim","start":1,"duration":4},{"type":"speed","factor":2},{"type":"remove_audio"},{"type":"scale","width":160}]}
            """);
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        probe.FirstAudio.ShouldBeNull();
        probe.FirstVideo!.Width.ShouldBe(160);
        probe.DurationSeconds!.Value.ShouldBe(2, 0.15);
    }

    [Fact]
    public async Task Two_pass_bitrate_and_loudness_jobs_report_their_passes()
    {
        var done = await CompletedAsync("""
            {"input":"/storage/input/short.mp4","output":{"format":"mp4",
               "video":{"codec":"h264","preset":"ultrafast","bitrate":"300k","two_pass":true,"profile":"high","gop":25},
               "audio":{"codec":"aac"}},
             "operations":[{"type":"normalize","target_lufs":-18}]}
            """);
        done["progress"]!.GetValue<double>().ShouldBe(100);
        var logs = await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{done["id"]}/logs?lines=1000", UriKind.Relative));
        var text = string.Join('\n', logs!["lines"]!.AsArray().Select(l => l!.GetValue<string>()));
        text.ShouldContain("print_format=json");
        text.ShouldContain("measured loudness:");
        text.ShouldContain("-pass 1");
        text.ShouldContain("-pass 2");
        text.ShouldContain("linear=true");
        text.ShouldNotContain(_server.StorageRoot);
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        probe.FirstVideo!.CodecName.ShouldBe("h264");
        probe.FirstAudio!.SampleRate.ShouldBe(44100);
    }

    [Theory]
    [InlineData("""[{"type":"rotate","angle":45}]""", "mp4", "operations[0].angle")]
    [InlineData("""[{"type":"scale","width":100,"fit":"cover"}]""", "mp4", "operations[0].fit")]
    [InlineData("""[{"type":"scale","width":100,"fit":"squash"}]""", "mp4", "operations[0].fit")]
    [InlineData("""[{"type":"crop","width":100}]""", "mp4", "operations[0].height")]
    [InlineData("""[{"type":"pad","width":400,"height":300,"color":"red:x=1"}]""", "mp4", "operations[0].color")]
    [InlineData("""[{"type":"watermark"}]""", "mp4", "operations[0].image")]
    [InlineData("""[{"type":"watermark","image":"/storage/input/none.png"}]""", "mp4", "operations[0].image")]
    [InlineData("""[{"type":"watermark","image":"/etc/passwd"}]""", "mp4", "operations[0].image")]
    [InlineData("""[{"type":"watermark","image":"/storage/input/logo.png","position":"middle"}]""", "mp4", "operations[0].position")]
    [InlineData("""[{"type":"text","text":""}]""", "mp4", "operations[0].text")]
    [InlineData("""[{"type":"text","text":"bell\u0007"}]""", "mp4", "operations[0].text")]
    [InlineData("""[{"type":"speed","factor":10}]""", "mp4", "operations[0].factor")]
    [InlineData("""[{"type":"fade","direction":"sideways","duration":1}]""", "mp4", "operations[0].direction")]
    [InlineData("""[{"type":"fade","direction":"in"}]""", "mp4", "operations[0].duration")]
    [InlineData("""[{"type":"volume"}]""", "mp4", "operations[0].gain_db")]
    [InlineData("""[{"type":"normalize","target_lufs":0}]""", "mp4", "operations[0].target_lufs")]
    [InlineData("""[{"type":"color"}]""", "mp4", "operations[0]")]
    [InlineData("""[{"type":"grayscale","amount":1}]""", "mp4", "operations[0].amount")]
    [InlineData("""[{"type":"crop","width":100,"height":100}]""", "mp3", "operations[0]")]
    [InlineData("""[{"type":"volume","gain_db":3},{"type":"remove_audio"}]""", "mp4", "operations[0]")]
    public async Task Bad_operations_name_their_field(string operations, string format, string field)
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", $$"""{"input":"/storage/input/short.mp4","output":"{{format}}","operations":{{operations}}}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["code"]!.GetValue<string>().ShouldBe("INVALID_OPERATION", problem.ToJsonString());
        problem["errors"]!.AsObject().ContainsKey(field).ShouldBeTrue(problem.ToJsonString());
    }

    [Theory]
    [InlineData("""{"codec":"h264","two_pass":true}""", "output.video.two_pass")]
    [InlineData("""{"codec":"h264","bitrate":"1M","crf":20,"two_pass":true}""", "output.video.two_pass")]
    [InlineData("""{"codec":"vp9","tune":"film"}""", "output.video.tune")]
    [InlineData("""{"codec":"h264","tune":"cartoon"}""", "output.video.tune")]
    [InlineData("""{"codec":"h264","profile":"ultra"}""", "output.video.profile")]
    [InlineData("""{"codec":"h264","level":"high"}""", "output.video.level")]
    [InlineData("""{"codec":"h264","pixel_format":"rgb48"}""", "output.video.pixel_format")]
    [InlineData("""{"codec":"h264","max_bitrate":"fast"}""", "output.video.max_bitrate")]
    [InlineData("""{"codec":"h264","gop":0}""", "output.video.gop")]
    [InlineData("""{"codec":"copy","tune":"film"}""", "output.video.tune")]
    [InlineData("""{"codec":"copy","gop":10}""", "output.video.codec")]
    public async Task Bad_encoder_settings_name_their_field(string video, string field)
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", $$$"""{"input":"/storage/input/short.mp4","output":{"format":"mkv","video":{{{video}}}}}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["errors"]!.AsObject().ContainsKey(field).ShouldBeTrue(problem.ToJsonString());
    }

    [Fact]
    public async Task Encoder_settings_reach_the_output()
    {
        var done = await CompletedAsync("""
            {"input":"/storage/input/short.mp4","output":{"format":"mkv","video":{"codec":"h265","preset":"ultrafast","crf":30,
               "profile":"main10","pixel_format":"yuv420p10le","keyframe_interval":1,"max_bitrate":"1M","buffer_size":"2M","tune":"fastdecode"}}}
            """);
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        probe.FirstVideo!.CodecName.ShouldBe("hevc");
        var raw = await Infrastructure.TestMedia.StreamFieldAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()), "pix_fmt");
        raw.ShouldBe("yuv420p10le");
    }

    [Fact]
    public async Task Animated_gif_and_webp_outputs()
    {
        var gif = await CompletedAsync("""{"input":"/storage/input/short.mp4","output":{"format":"gif","video":{"fps":10,"resolution":"160x120"}},"operations":[{"type":"trim","duration":1}]}""");
        gif["output"]!["metadata"]!["video_codec"]!.GetValue<string>().ShouldBe("gif");
        gif["output"]!["metadata"]!["width"]!.GetValue<int>().ShouldBe(160);
        gif["output"]!["metadata"]!["audio_codec"].ShouldBeNull();
        var webp = await CompletedAsync("""{"input":"/storage/input/short.mp4","output":"webp","operations":[{"type":"trim","duration":0.5},{"type":"scale","width":160}]}""");
        webp["output"]!["path"]!.GetValue<string>().ShouldEndWith(".webp");
        webp["output"]!["metadata"]!["size_bytes"]!.GetValue<long>().ShouldBeGreaterThan(100);

        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/short.mp4","output":{"format":"gif","audio":{"codec":"aac"}}}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["code"]!.GetValue<string>().ShouldBe("CODEC_MISMATCH");
    }

    [Fact]
    public async Task Several_outputs_from_one_decode()
    {
        var done = await CompletedAsync("""
            {"input":"/storage/input/short.mp4",
             "outputs":[
               {"format":"mp4","video":{"codec":"h264","preset":"ultrafast","resolution":"320x240"}},
               {"preset":"webm-720p","video":{"preset":"ultrafast","resolution":"160x120","crf":45}},
               "mp3"],
             "operations":[{"type":"trim","duration":1},{"type":"watermark","image":"/storage/input/logo.png"},{"type":"volume","gain_db":-3}]}
            """);
        var outputs = done["outputs"]!.AsArray();
        outputs.Count.ShouldBe(3);
        var id = done["id"]!.GetValue<string>();
        outputs.Select(o => o!["path"]!.GetValue<string>()).ShouldBe([$"/storage/output/{id}-1.mp4", $"/storage/output/{id}-2.webm", $"/storage/output/{id}-3.mp3"]);
        done["output"]!["path"]!.GetValue<string>().ShouldBe($"/storage/output/{id}-1.mp4");
        var webm = await TestMedia.ProbeAsync(_server.Physical(outputs[1]!["path"]!.GetValue<string>()));
        (webm.FirstVideo!.CodecName, webm.FirstVideo.Width, webm.FirstAudio!.CodecName).ShouldBe(("vp9", 160, "opus"));
        webm.DurationSeconds!.Value.ShouldBe(1, 0.1);
        var mp3 = await TestMedia.ProbeAsync(_server.Physical(outputs[2]!["path"]!.GetValue<string>()));
        mp3.FirstVideo.ShouldBeNull();
        outputs[2]!["metadata"]!["audio_codec"]!.GetValue<string>().ShouldBe("mp3");
        outputs[0]!["metadata"]!["width"]!.GetValue<int>().ShouldBe(320);
    }

    [Theory]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","outputs":["webm"]}""", "outputs")]
    [InlineData("""{"input":"/storage/input/short.mp4","outputs":[]}""", "outputs")]
    [InlineData("""{"input":"/storage/input/short.mp4","outputs":["/storage/output/same.mp4","/storage/output/same.mp4"]}""", "outputs[1].path")]
    [InlineData("""{"input":"/storage/input/short.mp4","outputs":["mp4",{"format":"mp4","video":{"bitrate":"1M","two_pass":true}}]}""", "outputs[1].video.two_pass")]
    [InlineData("""{"input":"/storage/input/short.mp4","outputs":["mp4",{"preset":"podcast-mp3"}]}""", "outputs[1].preset")]
    [InlineData("""{"input":"/storage/input/short.mp4","outputs":["mp4",{"format":"webm","video":{"codec":"prores"}}]}""", "outputs[1].video.codec")]
    [InlineData("""{"input":"/storage/input/short.mp4","outputs":["mp3","wav"],"operations":[{"type":"crop","width":10,"height":10}]}""", "operations[0]")]
    public async Task Bad_outputs_name_their_field(string body, string field)
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", body);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["errors"]!.AsObject().ContainsKey(field).ShouldBeTrue(problem.ToJsonString());
    }

    [Fact]
    public async Task Subtitles_burned_in_or_as_a_track()
    {
        var burned = await CompletedAsync("""{"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{"preset":"ultrafast"}},"operations":[{"type":"subtitles","file":"/storage/input/subs.srt"}]}""");
        var burnedProbe = await TestMedia.ProbeAsync(_server.Physical(burned["output"]!["path"]!.GetValue<string>()));
        burnedProbe.Streams.ShouldNotContain(s => s.CodecType == "subtitle");

        var soft = await CompletedAsync("""{"input":"/storage/input/short.mp4","output":{"format":"mkv","video":{"codec":"copy"},"audio":{"codec":"copy"}},"operations":[{"type":"subtitles","file":"/storage/input/subs.srt","mode":"soft","language":"eng"}]}""");
        var softProbe = await TestMedia.ProbeAsync(_server.Physical(soft["output"]!["path"]!.GetValue<string>()));
        softProbe.Streams.Where(s => s.CodecType == "subtitle").ShouldHaveSingleItem().CodecName.ShouldBe("subrip");
        (await TestMedia.StreamFieldAsync(_server.Physical(soft["output"]!["path"]!.GetValue<string>()), "codec_name")).ShouldBe("h264");
    }

    [Theory]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","operations":[{"type":"subtitles"}]}""", "operations[0].file")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","operations":[{"type":"subtitles","file":"/storage/input/short.mp4"}]}""", "operations[0].file")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","operations":[{"type":"subtitles","file":"/storage/input/none.srt"}]}""", "operations[0].file")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","operations":[{"type":"subtitles","file":"/storage/input/subs.srt","mode":"karaoke"}]}""", "operations[0].mode")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","operations":[{"type":"subtitles","file":"/storage/input/subs.srt","language":"english"}]}""", "operations[0].language")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"ts","operations":[{"type":"subtitles","file":"/storage/input/subs.srt","mode":"soft"}]}""", "operations[0]")]
    [InlineData("""{"input":"/storage/input/short.mp4","outputs":["mp4","mkv"],"operations":[{"type":"subtitles","file":"/storage/input/subs.srt","mode":"soft"}]}""", "operations[0]")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{"codec":"copy"}},"operations":[{"type":"subtitles","file":"/storage/input/subs.srt"}]}""", "operations[0]")]
    public async Task Bad_subtitles_name_their_field(string body, string field)
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", body);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["errors"]!.AsObject().ContainsKey(field).ShouldBeTrue(problem.ToJsonString());
    }

    [Fact]
    public async Task Concat_joins_inputs_of_different_sizes()
    {
        var done = await CompletedAsync("""
            {"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{"preset":"ultrafast"}},
             "operations":[{"type":"concat","inputs":["/storage/input/ten.mp4"]},{"type":"trim","start":1,"duration":3},{"type":"fade","direction":"out","duration":0.5}]}
            """);
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        (probe.FirstVideo!.Width, probe.FirstVideo.Height).ShouldBe((320, 240));
        probe.DurationSeconds!.Value.ShouldBe(3, 0.15);
        probe.FirstAudio!.SampleRate.ShouldBe(48000);
    }

    [Theory]
    [InlineData("""[{"type":"concat"}]""", "operations[0].inputs")]
    [InlineData("""[{"type":"concat","inputs":["/storage/input/missing.mp4"]}]""", "operations[0].inputs[0]")]
    [InlineData("""[{"type":"concat","inputs":["/etc/passwd"]}]""", "operations[0].inputs[0]")]
    [InlineData("""[{"type":"concat","inputs":["/storage/input/ten.mp4"]},{"type":"concat","inputs":["/storage/input/ten.mp4"]}]""", "operations")]
    [InlineData("""[{"type":"concat","inputs":["/storage/input/ten.mp4"]},{"type":"subtitles","file":"/storage/input/subs.srt","mode":"soft"}]""", "operations")]
    public async Task Bad_concat_names_its_field(string operations, string field)
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", $$"""{"input":"/storage/input/short.mp4","output":"mkv","operations":{{operations}}}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["errors"]!.AsObject().ContainsKey(field).ShouldBeTrue(problem.ToJsonString());
    }
}
