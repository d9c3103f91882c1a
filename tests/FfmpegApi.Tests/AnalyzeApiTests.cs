using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Media.Process;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>POST /analyze: real VMAF/PSNR/SSIM runs with known answers, alignment, reports and clear refusals.</summary>
[Collection(ServerCollection.Name)]
public sealed class AnalyzeApiTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    private async Task<JsonNode> AnalyzeAsync(string body)
    {
        var (status, created) = await _client.PostJsonAsync("/api/v1/analyze", body);
        status.ShouldBe(HttpStatusCode.Accepted, created?.ToJsonString());
        created!["job"]!["kind"]!.GetValue<string>().ShouldBe("analyze");
        var done = await _client.WaitForEndAsync(created["job"]!["id"]!.GetValue<string>());
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        return done;
    }

    [Fact]
    public async Task Identical_inputs_score_at_the_top()
    {
        var done = await AnalyzeAsync("""{"input":"/storage/input/short.mp4","reference":"/storage/input/short.mp4","metrics":["vmaf","psnr","ssim"]}""");
        var metrics = done["analysis"]!["metrics"]!;
        metrics["vmaf"]!["mean"]!.GetValue<double>().ShouldBeGreaterThanOrEqualTo(99);
        metrics["psnr"]!["mean"]!.GetValue<double>().ShouldBeGreaterThanOrEqualTo(60);
        metrics["ssim"]!["mean"]!.GetValue<double>().ShouldBeGreaterThanOrEqualTo(0.99);
        metrics["vmaf"]!["frames"]!.GetValue<int>().ShouldBe(50);
        done["analysis"]!["aligned"].ShouldBeNull();
        done["progress_details"]!["quality"]!["vmaf"]!.GetValue<double>().ShouldBeGreaterThanOrEqualTo(99);
        done["output"]!["path"]!.GetValue<string>().ShouldEndWith(".analysis.json");
    }

    [Fact]
    public async Task A_degraded_smaller_encode_is_aligned_and_scores_clearly_lower()
    {
        var degraded = Path.Combine(_server.StorageRoot, "input", "degraded.mp4");
        var made = await FfmpegProcess.CaptureAsync("ffmpeg", ["-hide_banner", "-nostdin", "-y", "-i", Path.Combine(_server.StorageRoot, "input", "short.mp4"), "-vf", "scale=160:120", "-c:v", "libx264", "-crf", "45", "-preset", "ultrafast", "-an", degraded], TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        made.Succeeded.ShouldBeTrue(string.Join('\n', made.StderrTail));

        var done = await AnalyzeAsync("""{"input":"/storage/input/degraded.mp4","reference":"/storage/input/short.mp4","per_frame":true}""");
        var analysis = done["analysis"]!;
        analysis["metrics"]!["vmaf"]!["mean"]!.GetValue<double>().ShouldBeLessThan(85);
        analysis["metrics"]!["psnr"]!["mean"]!.GetValue<double>().ShouldBeLessThan(35);
        analysis["metrics"]!["ssim"]!["mean"]!.GetValue<double>().ShouldBeLessThan(0.95);
        analysis["aligned"]!["scaled_from"]!.GetValue<string>().ShouldBe("160x120");
        analysis["aligned"]!["scaled_to"]!.GetValue<string>().ShouldBe("320x240");

        // The report file holds the per-frame series; the job keeps the pooled numbers only.
        analysis["per_frame"].ShouldBeNull();
        var report = await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{done["id"]}/output", UriKind.Relative));
        report!["per_frame"]!["vmaf"]!.AsArray().Count.ShouldBe(50);
        report["per_frame"]!["psnr"]!.AsArray().Count.ShouldBe(50);
        report["metrics"]!["vmaf"]!["harmonic_mean"]!.GetValue<double>().ShouldBeLessThanOrEqualTo(report["metrics"]!["vmaf"]!["mean"]!.GetValue<double>());
    }

    [Fact]
    public async Task An_analysis_can_be_cancelled_while_it_runs()
    {
        var (status, created) = await _client.PostJsonAsync("/api/v1/analyze", """{"input":"/storage/input/long.mp4","reference":"/storage/input/long.mp4","metrics":["vmaf","psnr"]}""");
        status.ShouldBe(HttpStatusCode.Accepted);
        var id = created!["job"]!["id"]!.GetValue<string>();
        await _client.WaitForAsync(id, TimeSpan.FromSeconds(60), "processing");
        var response = await _client.DeleteAsync(new Uri($"/api/v1/jobs/{id}", UriKind.Relative), TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("cancelled");
        done["analysis"].ShouldBeNull();
        File.Exists(_server.Physical(done["output"]!["path"]!.GetValue<string>())).ShouldBeFalse();
    }

    [Theory]
    [InlineData("""{"input":"/storage/input/short.mp4","reference":"/storage/input/short.mp4","metrics":["bogus"]}""", "metrics")]
    [InlineData("""{"input":"/storage/input/short.mp4","reference":"/storage/input/short.mp4","metrics":[]}""", "metrics")]
    [InlineData("""{"input":"/storage/input/short.mp4","reference":"/storage/input/missing.mp4"}""", "reference")]
    [InlineData("""{"input":"/storage/input/short.mp4","metrics":["psnr"]}""", "reference")]
    [InlineData("""{"input":"/storage/input/short.mp4","reference":"/storage/input/short.mp4","output":"/storage/output/r.txt"}""", "output")]
    [InlineData("""{"input":"/storage/input/short.mp4","reference":"/storage/input/short.mp4","n_subsample":0}""", "n_subsample")]
    [InlineData("""{"input":"/storage/input/short.mp4","reference":"/storage/input/short.mp4","extra":1}""", "extra")]
    public async Task Bad_analysis_bodies_name_the_field(string body, string field)
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/analyze", body);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["errors"]!.AsObject().ContainsKey(field).ShouldBeTrue(problem.ToJsonString());
    }

    [Theory]
    [InlineData("short.mp4")]
    [InlineData("long.mp4")]
    public async Task Without_a_reference_the_analysis_reports_the_inputs_facts_as_ffprobe_sees_them(string file)
    {
        // The original's analyze with only an input answered the file's probe metrics (duration, resolution, bit rate, codec).
        var done = await AnalyzeAsync($$"""{"input":"/storage/input/{{file}}"}""");
        var analysis = done["analysis"]!;
        analysis["reference"].ShouldBeNull();
        analysis["metrics"]!.AsObject().Count.ShouldBe(0);

        var probed = await FfmpegProcess.CaptureAsync("ffprobe", ["-v", "error", "-show_format", "-show_streams", "-of", "json", Path.Combine(_server.StorageRoot, "input", file)], TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var truth = JsonNode.Parse(probed.Stdout)!;
        var format = truth["format"]!;
        var streams = truth["streams"]!.AsArray();
        var video = streams.First(s => s!["codec_type"]!.GetValue<string>() == "video")!;
        var media = analysis["media"]!;
        media["duration_seconds"]!.GetValue<double>().ShouldBe(double.Parse(format["duration"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), 0.001);
        media["size_bytes"]!.GetValue<long>().ShouldBe(long.Parse(format["size"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        media["bit_rate"]!.GetValue<long>().ShouldBe(long.Parse(format["bit_rate"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        media["resolution"]!.GetValue<string>().ShouldBe($"{video["width"]}x{video["height"]}");
        media["video_codec"]!.GetValue<string>().ShouldBe(video["codec_name"]!.GetValue<string>());
        media["audio_codec"]?.GetValue<string>().ShouldBe(streams.FirstOrDefault(s => s!["codec_type"]!.GetValue<string>() == "audio")?["codec_name"]?.GetValue<string>());
        media["streams"]!.AsArray().Select(s => s!["type"]!.GetValue<string>()).ShouldBe(streams.Select(s => s!["codec_type"]!.GetValue<string>()));

        // The report file says the same.
        var report = await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{done["id"]}/output", UriKind.Relative), TestContext.Current.CancellationToken);
        report!["media"]!.ToJsonString().ShouldBe(media.ToJsonString());
    }

    [Fact]
    public async Task Capabilities_list_the_metrics_this_server_computes()
    {
        var caps = await _client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/capabilities", UriKind.Relative));
        caps!["analysis"]!["metrics"]!.AsArray().Select(m => m!.GetValue<string>()).ShouldBe(["vmaf", "psnr", "ssim"]);

        // The original listed what probing reports (["format", "streams", "metadata"]); here: what analysis.media holds.
        caps["analysis"]!["probing"]!.AsArray().Select(m => m!.GetValue<string>()).ShouldBe(["format", "streams"]);
    }
}
