using System.Net;
using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// <c>options.hardware_acceleration</c> through the API on this machine (no GPU): auto resolves to software, a named
/// vendor is refused with the reason, and a hardware path forced onto a machine without it (<c>Hardware:Assume</c>)
/// fails at run time and is repeated in software — the job completes and says <c>hardware: fallback</c>.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class HardwareApiTests(ServerFixture fixture)
{
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    private static bool HasGpu => File.Exists("/dev/nvidia0") || Directory.Exists("/dev/dri");

    [Fact]
    public async Task Capabilities_report_no_device_and_why_each_vendor_is_missing()
    {
        Assert.SkipWhen(HasGpu, "this machine has video hardware");
        var caps = await _client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/capabilities", UriKind.Relative));
        var hw = caps!["hardware_acceleration"]!;
        hw["available"]!.GetValue<bool>().ShouldBeFalse();
        hw["devices"]!.AsArray().ShouldBeEmpty();
        hw["modes"]!.AsArray().Select(m => m!.GetValue<string>()).ShouldBe(["auto", "none", "nvidia", "intel", "vaapi"]);
        var reasons = hw["unavailable"]!.AsArray().ToDictionary(n => n!["vendor"]!.GetValue<string>(), n => n!["reason"]!.GetValue<string>());
        reasons["nvidia"].ShouldContain("no NVIDIA GPU is visible");
        reasons["vaapi"].ShouldContain("no DRI render node");
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("none")]
    [InlineData(null)]
    public async Task Auto_and_none_run_in_software_here(string? mode)
    {
        Assert.SkipWhen(HasGpu, "this machine has video hardware");
        var options = mode is null ? string.Empty : ",\"options\":{\"hardware_acceleration\":\"" + mode + "\"}";
        var id = await _client.SubmitAsync("""{"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{"codec":"h264"}},"operations":[{"type":"scale","width":160}]""" + options + "}");
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        done["hardware"]!.GetValue<string>().ShouldBe("software");
        var video = await TestMedia.ProbeAsync(fixture.Server.Physical(done["output"]!["path"]!.GetValue<string>()));
        (video.FirstVideo!.CodecName, video.FirstVideo.Width).ShouldBe(("h264", 160));
    }

    [Theory]
    [InlineData("nvidia", "NVIDIA (CUDA/NVENC)")]
    [InlineData("cuda", "NVIDIA (CUDA/NVENC)")]
    [InlineData("qsv", "Intel Quick Sync")]
    [InlineData("vaapi", "VAAPI")]
    public async Task A_named_vendor_no_worker_has_is_refused_with_the_reason(string mode, string label)
    {
        Assert.SkipWhen(HasGpu, "this machine has video hardware");
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", "{\"input\":\"/storage/input/short.mp4\",\"output\":\"mp4\",\"options\":{\"hardware_acceleration\":\"" + mode + "\"}}");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        var message = problem!["errors"]!["options.hardware_acceleration"]![0]!.GetValue<string>();
        message.ShouldContain($"no worker has {label} hardware");
        message.ShouldContain("this machine:");
        problem["code"]!.GetValue<string>().ShouldBe("INSUFFICIENT_RESOURCES");
    }

    [Theory]
    [InlineData("""{"hardware_acceleration":"warp"}""", "options.hardware_acceleration")]
    [InlineData("""{"hardware_acceleration":"auto","hardware_device":1}""", "options.hardware_device")]
    [InlineData("""{"hardware_acceleration":"nvidia","hardware_device":99}""", "options.hardware_device")]
    [InlineData("""{"hardware_acceleration":7}""", "options.hardware_acceleration")]
    public async Task Bad_hardware_options_name_the_field(string options, string field)
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/short.mp4","output":"mp4","options":""" + options + "}");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["errors"]!.AsObject().ContainsKey(field).ShouldBeTrue(problem.ToJsonString());
    }

    [Fact]
    public async Task Only_conversions_take_hardware_options()
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/stream", """{"input":"/storage/input/short.mp4","output":"/storage/output/hw-hls/master.m3u8","options":{"hardware_acceleration":"auto"}}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["errors"]!.AsObject().ContainsKey("options.hardware_acceleration").ShouldBeTrue(problem.ToJsonString());
    }

    [Fact]
    public async Task A_forced_hardware_path_that_fails_is_repeated_in_software()
    {
        Assert.SkipWhen(HasGpu, "this machine has video hardware: the forced path might work");
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?> { ["Hardware:Assume:0"] = "nvidia", ["Hardware:MaxSessions:Nvidia"] = "1" });
        await TestMedia.GenerateAsync(Path.Combine(server.StorageRoot, "input", "in.mp4"), 2, "320x240");
        using var client = server.Client(await server.CreateKeyAsync("hw"));

        var caps = await client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/capabilities", UriKind.Relative));
        var device = caps!["hardware_acceleration"]!["devices"]!.AsArray().ShouldHaveSingleItem()!;
        (device["name"]!.GetValue<string>(), device["assumed"]!.GetValue<bool>(), device["max_sessions"]!.GetValue<int>()).ShouldBe(("nvidia:0", true, 1));

        var id = await client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":{"format":"mp4","video":{"codec":"h264"}},"operations":[{"type":"scale","width":160}],"options":{"hardware_acceleration":"nvidia"}}""");
        var done = await client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        done["hardware"]!.GetValue<string>().ShouldBe("fallback");
        done["attempts"]!.GetValue<int>().ShouldBe(1, "the software repeat is part of the same attempt");
        var output = await TestMedia.ProbeAsync(server.Physical(done["output"]!["path"]!.GetValue<string>()));
        (output.FirstVideo!.CodecName, output.FirstVideo.Width, output.FirstVideo.Height).ShouldBe(("h264", 160, 120));
        output.DurationSeconds!.Value.ShouldBe(2, 0.1);

        var logs = (await client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}/logs?lines=1000", UriKind.Relative)))!["lines"]!.AsArray().Select(l => l!.GetValue<string>()).ToList();
        logs.ShouldContain(l => l.Contains("hardware: nvidia:0 (assumed): decode h264 on device, encode h264_nvenc"));
        logs.ShouldContain(l => l.Contains("-hwaccel cuda"));
        logs.ShouldContain(l => l.Contains("hardware: software (after the device path failed)"));

        // The session was given back: the device is free for the next job.
        var after = await client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/capabilities", UriKind.Relative));
        after!["hardware_acceleration"]!["devices"]![0]!["sessions_in_use"]!.GetValue<int>().ShouldBe(0);
        using var anonymous = server.Client();
        var metrics = await anonymous.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        metrics.ShouldContain("ffmpegapi_hardware_fallbacks_total{");
        metrics.ShouldContain("acceleration=\"nvidia\"");
    }
}
