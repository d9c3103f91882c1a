using System.Net;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>POST /estimate: the original's shape, sane numbers from the probe, history once jobs have finished.</summary>
[Collection(ServerCollection.Name)]
public sealed class EstimateApiTests(ServerFixture fixture)
{
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    [Fact]
    public async Task Bitrate_target_gives_size_from_duration_and_bitrates()
    {
        var (status, body) = await _client.PostJsonAsync("/api/v1/estimate", """
            {"input":"/storage/input/ten.mp4","output":{"format":"mp4","video":{"codec":"h264","bitrate":"1M","preset":"ultrafast"},"audio":{"codec":"aac","bitrate":"128k"}},
             "operations":[{"type":"trim","start":2,"duration":4}]}
            """);
        status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
        var estimated = body!["estimated"]!;
        estimated["output_duration_seconds"]!.GetValue<double>().ShouldBe(4, 0.01);
        estimated["output_size_bytes"]!.GetValue<long>().ShouldBeInRange(563_000, 565_000);
        estimated["duration_seconds"]!.GetValue<double>().ShouldBeGreaterThan(0);
        body["resources"]!["cpu_cores"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(1);
        body["output"]!["width"]!.GetValue<int>().ShouldBe(640);
    }

    [Fact]
    public async Task Crf_estimates_follow_size_and_quality_and_history_is_used_once_there_is_some()
    {
        async Task<long> SizeAsync(string video, string ops = "[]")
        {
            var (status, body) = await _client.PostJsonAsync("/api/v1/estimate", $$$"""{"input":"/storage/input/ten.mp4","output":{"format":"mp4","video":{{{video}}}},"operations":{{{ops}}}}""");
            status.ShouldBe(HttpStatusCode.OK, body?.ToJsonString());
            return body!["estimated"]!["output_size_bytes"]!.GetValue<long>();
        }

        var crf23 = await SizeAsync("""{"codec":"h264","crf":23}""");
        (await SizeAsync("""{"codec":"h264","crf":29}""")).ShouldBeLessThan(crf23);
        (await SizeAsync("""{"codec":"h264","crf":23}""", """[{"type":"scale","width":320}]""")).ShouldBeLessThan(crf23);

        var done = await _client.WaitForEndAsync(await _client.SubmitAsync("""{"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{"codec":"h264","preset":"superfast"}}}"""));
        done["status"]!.GetValue<string>().ShouldBe("completed");
        var (_, estimate) = await _client.PostJsonAsync("/api/v1/estimate", """{"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{"codec":"h264","preset":"superfast"}}}""");
        estimate!["basis"]!["speed_source"]!.GetValue<string>().ShouldBe("history");
        estimate["basis"]!["samples"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task Bad_estimate_bodies_are_refused_like_convert()
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/estimate", """{"input":"/storage/input/notes.mp4","output":"mp4"}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["code"]!.GetValue<string>().ShouldBe("INVALID_INPUT");
        (status, problem) = await _client.PostJsonAsync("/api/v1/estimate", """{"input":"/storage/input/short.mp4","output":"exe"}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!.AsObject().ContainsKey("output.format").ShouldBeTrue();
    }
}
