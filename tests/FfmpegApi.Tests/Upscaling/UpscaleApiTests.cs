using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Media.Process;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests.Upscaling;

/// <summary>One server with test-written models (2x, 4x, a broken file) and generated inputs, shared by the class.</summary>
public sealed class UpscaleServerFixture : IAsyncLifetime
{
    public string Models { get; } = Directory.CreateTempSubdirectory("upscale-models-").FullName;

    public ApiServer Server { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await File.WriteAllBytesAsync(Path.Combine(Models, "tiny2.onnx"), TinyUpscaler.Create(2).ToOnnx());
        await File.WriteAllBytesAsync(Path.Combine(Models, "tiny4.onnx"), TinyUpscaler.Create(4).ToOnnx());
        await File.WriteAllTextAsync(Path.Combine(Models, "broken.onnx"), "not a protobuf at all");
        Server = await ApiServer.StartAsync(new Dictionary<string, string?>
        {
            ["Upscale:Models:tiny2:Path"] = Path.Combine(Models, "tiny2.onnx"),
            ["Upscale:Models:tiny2:Scale"] = "2",
            ["Upscale:Models:tiny4:Path"] = Path.Combine(Models, "tiny4.onnx"),
            ["Upscale:Models:tiny4:Scale"] = "4",
            ["Upscale:Models:broken:Path"] = Path.Combine(Models, "broken.onnx"),
            ["Upscale:Models:broken:Scale"] = "2",
            ["Upscale:DefaultModel"] = "tiny4",

            // Small tiles so 64x48 frames are cut into several, with seams the pixel check covers.
            ["Upscale:TileSize"] = "24",
            ["Upscale:TileOverlap"] = "4",
            ["Upscale:BatchSize"] = "3",
        });
        Client = Server.Client(await Server.CreateKeyAsync("upscaler"));
        await Task.WhenAll(
            TestMedia.GenerateAsync(Server.Physical("/storage/input/small.mp4"), 2, "64x48"),
            TestMedia.GenerateAsync(Server.Physical("/storage/input/upscale-long.mp4"), 60, "320x240"));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        Directory.Delete(Models, recursive: true);
    }
}

/// <summary>
/// Upscale jobs end to end on a server with test-written models: real ffmpeg decode → ONNX Runtime → ffmpeg encode,
/// outputs read back with ffprobe and their pixels compared with what the known weights give.
/// </summary>
public sealed class UpscaleApiTests(UpscaleServerFixture fixture) : IClassFixture<UpscaleServerFixture>
{
    private readonly string _models = fixture.Models;
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Upscale_2x_keeps_duration_and_audio_and_pixels_follow_the_weights()
    {
        var id = await _client.SubmitAsync("""
            {"input":"/storage/input/small.mp4",
             "output":{"format":"mp4","video":{"codec":"h264","crf":0,"preset":"ultrafast","pixel_format":"yuv444p"},"audio":{"codec":"copy"}},
             "operations":[{"type":"trim","start":0.4,"duration":1.2},{"type":"upscale","scale":2,"model":"tiny2"}]}
            """);
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var output = _server.Physical(done["output"]!["path"]!.GetValue<string>());
        var probe = await TestMedia.ProbeAsync(output);
        (probe.FirstVideo!.Width, probe.FirstVideo.Height).ShouldBe((128, 96));
        probe.FirstAudio!.CodecName.ShouldBe("aac");
        probe.DurationSeconds!.Value.ShouldBe(1.2, 0.1);
        done["operations"]!.AsArray().Select(o => o!["type"]!.GetValue<string>()).ShouldBe(["trim", "upscale"]);

        // Frame 5 of the output is frame 5 after the trim (0.4 s = 10 frames in at 25 fps).
        var source = await RawFrameAsync(_server.Physical("/storage/input/small.mp4"), 15);
        var actual = await RawFrameAsync(output, 5);
        var expected = TinyUpscaler.Create(2).Expected(source, 64, 48);
        var diffs = expected.Zip(actual, (a, b) => Math.Abs(a - b)).ToArray();
        diffs.Average().ShouldBeLessThan(1.5, "lossless 4:4:4 H.264 leaves only RGB↔YUV rounding");
        diffs.Max().ShouldBeLessThan(16);

        var logs = await LogTextAsync(id);
        logs.ShouldContain("upscaling 64x48 → 128x96 with tiny2 on cpu: 12 tile(s) per frame");
        logs.ShouldContain("upscaled 30 frames");

        using var anonymous = _server.Client();
        var metrics = await anonymous.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var lines = metrics.Split('\n');
        var frames = lines.Single(l => l.StartsWith("ffmpegapi_upscale_frames_total{", StringComparison.Ordinal) && l.Contains("model=\"tiny2\",provider=\"cpu\"", StringComparison.Ordinal));
        double.Parse(frames.Split(' ')[^1], CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(30);
        lines.ShouldContain(l => l.StartsWith("ffmpegapi_upscale_inference_duration_seconds_bucket{", StringComparison.Ordinal) && l.Contains("le=\"0.1\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Default_model_upscales_4x_then_later_operations_see_the_big_picture()
    {
        var done = await _client.WaitForEndAsync(await _client.SubmitAsync("""
            {"input":"/storage/input/small.mp4","output":{"format":"mp4","video":{"codec":"h264","preset":"ultrafast"}},
             "operations":[{"type":"grayscale"},{"type":"upscale"},{"type":"crop","width":200,"height":150}]}
            """));
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        done["operations"]![1]!["model"]!.GetValue<string>().ShouldBe("tiny4");
        done["operations"]![1]!["scale"]!.GetValue<int>().ShouldBe(4);
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        (probe.FirstVideo!.Width, probe.FirstVideo.Height).ShouldBe((200, 150));
        probe.DurationSeconds!.Value.ShouldBe(2, 0.1);
        probe.FirstAudio!.CodecName.ShouldBe("aac");
    }

    [Theory]
    [InlineData("""{"type":"upscale","model":"nope"}""", "operations[0].model", "unknown model 'nope' (models: broken (2x), tiny2 (2x), tiny4 (4x))")]
    [InlineData("""{"type":"upscale","model":"broken"}""", "operations[0].model", "model 'broken' cannot be used: not a loadable ONNX model")]
    [InlineData("""{"type":"upscale","model":"tiny2","scale":4}""", "operations[0].model", "model 'tiny2' upscales 2x, not 4x")]
    [InlineData("""{"type":"upscale","scale":3}""", "operations[0].scale", "no configured model upscales 3x")]
    [InlineData("""{"type":"upscale","scale":9}""", "operations[0].scale", "2")]
    [InlineData("""{"type":"upscale","model":"../etc"}""", "operations[0].model", "configured model name")]
    [InlineData("""{"type":"upscale","device":"tpu"}""", "operations[0].device", "auto, gpu")]
    [InlineData("""{"type":"scale","width":100},{"type":"upscale"}""", "operations", "'scale' changes the frame size")]
    [InlineData("""{"type":"upscale"},{"type":"upscale"}""", "operations", "At most one upscale")]
    public async Task Bad_upscale_requests_answer_422_naming_the_field(string operations, string field, string message)
    {
        var (status, body) = await _client.PostJsonAsync("/api/v1/convert", $$"""{"input":"/storage/input/small.mp4","output":"mp4","operations":[{{operations}}]}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, body?.ToJsonString());
        var errors = body!["errors"]!.AsObject();
        errors.ContainsKey(field).ShouldBeTrue(body.ToJsonString());
        errors[field]![0]!.GetValue<string>().ShouldContain(message);
    }

    [Fact]
    public async Task Upscale_with_video_copy_is_refused()
    {
        var (status, body) = await _client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/small.mp4","output":{"format":"mp4","video":{"codec":"copy"}},"operations":[{"type":"upscale"}]}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        body!["errors"]!["operations[0]"]![0]!.GetValue<string>().ShouldContain("'upscale' needs re-encoding");
    }

    [Fact]
    public async Task Capabilities_list_models_and_the_execution_provider()
    {
        var caps = await _client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/capabilities", UriKind.Relative));
        var upscale = caps!["upscale"]!;
        upscale["execution_provider"]!.GetValue<string>().ShouldBe("cpu");
        upscale["gpu_unavailable"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        var models = upscale["models"]!.AsArray();
        models.Select(m => m!["name"]!.GetValue<string>()).ShouldBe(["broken", "tiny2", "tiny4"]);
        models[1]!["available"]!.GetValue<bool>().ShouldBeTrue();
        models[1]!["file"]!.GetValue<string>().ShouldBe("tiny2.onnx");
        models[0]!["available"]!.GetValue<bool>().ShouldBeFalse();
        models[0]!["problem"]!.GetValue<string>().ShouldContain("not a loadable ONNX model");
        caps["operations"]!.AsArray().Select(o => o!.GetValue<string>()).ShouldContain("upscale");
        caps.ToJsonString().ShouldNotContain(_models);
    }

    [Fact]
    public async Task Cancel_mid_upscale_stops_decoder_model_and_encoder()
    {
        var id = await _client.SubmitAsync("""
            {"input":"/storage/input/upscale-long.mp4","output":{"format":"mp4","video":{"codec":"h264","preset":"medium"}},
             "operations":[{"type":"upscale","model":"tiny2"}]}
            """);
        await _client.WaitForAsync(id, TimeSpan.FromSeconds(30), "processing");
        var progressed = await WaitForProgressAsync(id);
        progressed.ShouldBeGreaterThan(0);
        FfmpegProcessesReading("upscale-long.mp4").ShouldNotBeEmpty();

        var clock = Stopwatch.StartNew();
        using var response = await _client.DeleteAsync(new Uri($"/api/v1/jobs/{id}", UriKind.Relative));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var job = await _client.WaitForAsync(id, TimeSpan.FromSeconds(15), "cancelled");
        job["status"]!.GetValue<string>().ShouldBe("cancelled");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 50 && (FfmpegProcessesReading("upscale-long.mp4").Count > 0 || FfmpegProcessesReading(id).Count > 0); i++)
        {
            await Task.Delay(100);
        }

        FfmpegProcessesReading("upscale-long.mp4").ShouldBeEmpty();
        FfmpegProcessesReading(id).ShouldBeEmpty();
        File.Exists(_server.Physical($"/storage/output/{id}.mp4")).ShouldBeFalse();
        Directory.Exists(Path.Combine(_server.WorkspaceRoot, id)).ShouldBeFalse();
    }

    private async Task<double> WaitForProgressAsync(string id)
    {
        for (var i = 0; i < 300; i++)
        {
            if ((await _client.GetJobAsync(id))["progress"]?.GetValue<double>() is > 0 and var p)
            {
                return p;
            }

            await Task.Delay(100);
        }

        return 0;
    }

    private async Task<string> LogTextAsync(string id)
    {
        var logs = await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}/logs?lines=1000", UriKind.Relative));
        return string.Join('\n', logs!["lines"]!.AsArray().Select(l => l!.GetValue<string>()));
    }

    /// <summary>ffmpeg processes whose command line mentions <paramref name="text"/> (read from /proc).</summary>
    private static List<int> FfmpegProcessesReading(string text) =>
        [.. Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)).Select(n => int.Parse(n!, CultureInfo.InvariantCulture))
            .Where(pid =>
            {
                try
                {
                    var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
                    return cmdline.StartsWith("ffmpeg", StringComparison.Ordinal) || cmdline.Contains("/ffmpeg\0", StringComparison.Ordinal) ? cmdline.Contains(text, StringComparison.Ordinal) : false;
                }
                catch (IOException)
                {
                    return false;
                }
            })];

    /// <summary>Frame <paramref name="index"/> of a file as rgb24 bytes.</summary>
    private static async Task<byte[]> RawFrameAsync(string path, int index)
    {
        var file = Path.Combine(Path.GetTempPath(), $"frame-{Guid.NewGuid():N}.rgb");
        try
        {
            var result = await FfmpegProcess.CaptureAsync("ffmpeg", ["-hide_banner", "-nostdin", "-y", "-i", path, "-vf", $"select=eq(n\\,{index})", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", file], TimeSpan.FromSeconds(30), CancellationToken.None);
            result.Succeeded.ShouldBeTrue(string.Join('\n', result.StderrTail));
            return await File.ReadAllBytesAsync(file);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
