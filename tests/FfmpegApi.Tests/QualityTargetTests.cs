using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Media.Process;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// <c>target_vmaf</c>: a real CRF search (trial encodes of samples scored with libvmaf), the full encode, and the
/// achieved VMAF — checked again independently with an analyze job of the output against the input.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class QualityTargetTests(ServerFixture fixture)
{
    private const double Target = 90;
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    [Fact]
    public async Task Noisy_content_gets_a_lower_crf_and_both_land_within_2_of_the_target()
    {
        await Task.WhenAll(
            GenerateAsync("quality-static.mp4", "testsrc2=size=320x240:rate=25:duration=12"),
            GenerateAsync("quality-noisy.mp4", "testsrc2=size=320x240:rate=25:duration=12,noise=alls=25:allf=t+u"));
        var (staticJob, noisyJob) = (await EncodeAsync("quality-static.mp4", "samples"), await EncodeAsync("quality-noisy.mp4", "full"));

        var (staticQuality, noisyQuality) = (staticJob["quality"]!, noisyJob["quality"]!);
        var (staticCrf, noisyCrf) = (staticQuality["crf"]!.GetValue<double>(), noisyQuality["crf"]!.GetValue<double>());
        noisyCrf.ShouldBeLessThan(staticCrf, "noise costs bits: the same VMAF needs a lower CRF");
        foreach (var (job, measuredOn) in new[] { (staticJob, "samples"), (noisyJob, "full") })
        {
            var quality = job["quality"]!;
            quality["target_vmaf"]!.GetValue<double>().ShouldBe(Target);
            quality["measured_on"]!.GetValue<string>().ShouldBe(measuredOn);
            quality["achieved_vmaf"]!.GetValue<double>().ShouldBe(Target, 2, job.ToJsonString());
            var trials = quality["trials"]!.AsArray();
            trials.Count.ShouldBeInRange(1, 6);
            trials.Select(t => t!["crf"]!.GetValue<double>()).Distinct().Count().ShouldBe(trials.Count);
            quality["samples"]!.AsArray().Count.ShouldBe(3);
            job["progress_details"]!["quality"]!["vmaf"]!.GetValue<double>().ShouldBe(quality["achieved_vmaf"]!.GetValue<double>());

            // Independently: the whole output against the whole input.
            var output = job["output"]!["path"]!.GetValue<string>();
            var analysis = await AnalyzeAsync(output, job["input"]!.GetValue<string>());
            analysis.ShouldBe(Target, 2, $"independent VMAF of {output}");
        }

        var logs = await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{staticJob["id"]}/logs?lines=1000", UriKind.Relative));
        var text = string.Join('\n', logs!["lines"]!.AsArray().Select(l => l!.GetValue<string>()));
        text.ShouldContain("quality search: crf ");
        text.ShouldContain("quality: the output scores VMAF");
    }

    [Fact]
    public async Task Per_title_ladder_searches_each_rung_and_caps_it_with_the_rung_bitrate()
    {
        await GenerateAsync("quality-ladder.mp4", "testsrc2=size=320x240:rate=25:duration=12");
        var (status, created) = await _client.PostJsonAsync("/api/v1/stream", """
            {"input":"/storage/input/quality-ladder.mp4","type":"hls","segment_duration":2,"target_quality":90,
             "variants":[{"resolution":"240p","bitrate":"900k"},{"resolution":"240x180","bitrate":"500k"}]}
            """);
        status.ShouldBe(HttpStatusCode.Accepted, created?.ToJsonString());
        var done = await _client.WaitForEndAsync(created!["job"]!["id"]!.GetValue<string>(), 300);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var variants = done["streaming"]!["variants"]!.AsArray();
        variants.Count.ShouldBe(2);
        foreach (var rung in variants)
        {
            rung!["crf"]!.GetValue<double>().ShouldBeInRange(8, 45);
            rung["vmaf"]!.GetValue<double>().ShouldBe(Target, 2, rung.ToJsonString());
            var playlist = await File.ReadAllTextAsync(_server.Physical(rung["playlist"]!.GetValue<string>()));
            playlist.ShouldContain("#EXTINF");
        }

        // The smaller rung needs less detail for the same score against its own size: its CRF is not lower.
        var logs = await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{done["id"]}/logs?lines=2000", UriKind.Relative));
        var text = string.Join('\n', logs!["lines"]!.AsArray().Select(l => l!.GetValue<string>()));
        text.ShouldContain("quality search at 320x240: crf ");
        text.ShouldContain("quality search at 240x180: crf ");
        text.ShouldContain("-crf:v:0 ");
        text.ShouldContain("-crf:v:1 ");
    }

    [Theory]
    [InlineData("""{"codec":"h264","target_vmaf":93,"crf":20}""", "output.video.target_vmaf", "drop 'crf'")]
    [InlineData("""{"codec":"mpeg4","target_vmaf":93}""", "output.video.target_vmaf", "CRF mode")]
    [InlineData("""{"codec":"h264","target_vmaf":150}""", "output.video.target_vmaf", "20")]
    [InlineData("""{"codec":"h264","vmaf_measure":"full"}""", "output.video.vmaf_measure", "with 'target_vmaf' only")]
    [InlineData("""{"codec":"h264","target_vmaf":93,"vmaf_measure":"most"}""", "output.video.vmaf_measure", "samples, full")]
    public async Task Bad_quality_targets_answer_422(string video, string field, string message)
    {
        var (status, body) = await _client.PostJsonAsync("/api/v1/convert", $$$"""{"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{{{video}}}}}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, body?.ToJsonString());
        body!["errors"]![field]![0]!.GetValue<string>().ShouldContain(message);
    }

    [Fact]
    public async Task Without_vmaf_a_target_is_refused_naming_why()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?> { ["Ffmpeg:VmafFfmpegPath"] = "/nonexistent/ffmpeg", ["Ffmpeg:VmafModelPath"] = "/nonexistent/model.pkl", ["Worker:Enabled"] = "false" });
        using var client = server.Client(await server.CreateKeyAsync("novmaf"));
        await TestMedia.GenerateAsync(server.Physical("/storage/input/x.mp4"), 1);
        var (status, body) = await client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/x.mp4","output":{"format":"mp4","video":{"codec":"h264","target_vmaf":93}}}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, body?.ToJsonString());
        body!["errors"]!["output.video.target_vmaf"]?[0]?.GetValue<string>().ShouldNotBeNull(body.ToJsonString()).ShouldContain("needs VMAF");
    }

    private async Task<JsonNode> EncodeAsync(string input, string measure)
    {
        var video = $$"""{"codec":"h264","preset":"veryfast","target_vmaf":{{Target}},"vmaf_measure":"{{measure}}"}""";
        var id = await _client.SubmitAsync($$"""{"input":"/storage/input/{{input}}","output":{"format":"mp4","video":{{video}} } }""");
        var done = await _client.WaitForEndAsync(id, 240);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        return done;
    }

    private async Task<double> AnalyzeAsync(string distorted, string reference)
    {
        var (status, created) = await _client.PostJsonAsync("/api/v1/analyze", $$"""{"input":"{{distorted}}","reference":"{{reference}}","metrics":["vmaf"]} """);
        status.ShouldBe(HttpStatusCode.Accepted, created?.ToJsonString());
        var done = await _client.WaitForEndAsync(created!["job"]!["id"]!.GetValue<string>());
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        return done["analysis"]!["metrics"]!["vmaf"]!["mean"]!.GetValue<double>();
    }

    private async Task GenerateAsync(string name, string source)
    {
        var result = await FfmpegProcess.CaptureAsync("ffmpeg", ["-hide_banner", "-nostdin", "-y", "-f", "lavfi", "-i", source, "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10", "-pix_fmt", "yuv420p", _server.Physical($"/storage/input/{name}")], TimeSpan.FromSeconds(120), CancellationToken.None);
        result.Succeeded.ShouldBeTrue(string.Join('\n', result.StderrTail));
    }
}
