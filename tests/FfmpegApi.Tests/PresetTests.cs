using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>Named presets: listed, applied with overrides, and each one accepted as a real job body.</summary>
[Collection(ServerCollection.Name)]
public sealed class PresetTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    [Fact]
    public async Task Presets_are_listed_and_each_one_is_a_valid_job()
    {
        var list = await _client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/presets", UriKind.Relative));
        var presets = list!["presets"]!.AsArray();
        presets.Select(p => p!["name"]!.GetValue<string>()).ShouldBe(
            ["web-1080p", "web-720p", "mobile-480p", "webm-720p", "archive-hevc", "podcast-mp3", "social-square"], ignoreOrder: true);
        foreach (var preset in presets)
        {
            preset!["description"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
            var name = preset["name"]!.GetValue<string>();
            var (status, body) = await _client.PostJsonAsync("/api/v1/convert", $$$"""{"input":"/storage/input/short.mp4","output":{"preset":"{{{name}}}"}}""");
            status.ShouldBe(HttpStatusCode.Accepted, body?.ToJsonString());
            await _client.DeleteAsync(new Uri($"/api/v1/jobs/{body!["job"]!["id"]}", UriKind.Relative), TestContext.Current.CancellationToken);
        }

        var one = await _client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/presets/WEB-720P", UriKind.Relative));
        one!["output"]!["video"]!["max_bitrate"]!.GetValue<string>().ShouldBe("3500k");
        var missing = await _client.GetAsync(new Uri("/api/v1/presets/nope", UriKind.Relative), TestContext.Current.CancellationToken);
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_preset_with_overrides_and_its_own_operations()
    {
        var id = await _client.SubmitAsync("""
            {"input":"/storage/input/short.mp4","output":{"preset":"social-square","video":{"preset":"ultrafast","crf":35}},
             "operations":[{"type":"trim","duration":1}]}
            """);
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        done["operations"]!.AsArray().Select(o => o!["type"]!.GetValue<string>()).ShouldBe(["trim", "scale"]);
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        (probe.FirstVideo!.Width, probe.FirstVideo.Height).ShouldBe((1080, 1080));
        probe.DurationSeconds!.Value.ShouldBe(1, 0.1);
    }

    [Fact]
    public async Task Podcast_preset_gives_normalised_mono_mp3()
    {
        var done = await _client.WaitForEndAsync(await _client.SubmitAsync("""{"input":"/storage/input/short.mp4","output":{"preset":"podcast-mp3"}}"""));
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        done["output"]!["path"]!.GetValue<string>().ShouldEndWith(".mp3");
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        probe.FirstVideo.ShouldBeNull();
        probe.FirstAudio!.CodecName.ShouldBe("mp3");
        probe.FirstAudio.Channels.ShouldBe(1);
        probe.FirstAudio.SampleRate.ShouldBe(44100);
    }

    /// <summary>Web and mobile presets deliver stereo whatever the source has: a 5.1 track is downmixed (browsers and phones play stereo).</summary>
    [Theory]
    [InlineData("web-1080p")]
    [InlineData("web-720p")]
    [InlineData("mobile-480p")]
    [InlineData("webm-720p")]
    [InlineData("social-square")]
    public async Task Web_presets_downmix_surround_to_stereo(string preset)
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "media behaviour does not depend on the database: the SQLite pass runs it");
        var input = Path.Combine(fixture.Server.StorageRoot, "input", "surround-51.mkv");
        if (!File.Exists(input))
        {
            await TestMedia.FfmpegAsync("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=1",
                "-af", "aformat=channel_layouts=5.1(side)", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "ac3", input + ".part.mkv");
            File.Move(input + ".part.mkv", input, overwrite: true);
        }

        var done = await _client.WaitForEndAsync(await _client.SubmitAsync(JobClient.Json(new { input = "/storage/input/surround-51.mkv", output = new { preset, video = new { preset = "ultrafast" } } })));
        done["status"]!.GetValue<string>().ShouldBe("completed", done["error"]?.ToJsonString());
        (await TestMedia.ProbeAsync(fixture.Server.Physical(done["output"]!["path"]!.GetValue<string>()))).FirstAudio!.Channels.ShouldBe(2, preset);
    }

    [Fact]
    public async Task Unknown_preset_names_the_field_and_suggests_one()
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/short.mp4","output":{"preset":"web-720"}}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["error"]!["details"]!["field"]!.GetValue<string>().ShouldBe("output.preset");
        problem["error"]!["details"]!["suggestion"]!.GetValue<string>().ShouldBe("web-720p");
    }
}
