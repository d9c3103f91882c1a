using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>Rate limits per key and per address, and the tenant's job quotas, on servers of their own.</summary>
public sealed class LimitsTests
{
    private static Uri Url(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task Requests_over_the_rate_get_429_with_retry_after_per_key()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?>
        {
            ["Limits:RequestsPerSecond"] = "3",
            ["Limits:RequestsPerHour"] = "1000",
        });
        using var first = server.Client(await server.CreateKeyAsync("a"));
        using var second = server.Client(await server.CreateKeyAsync("b"));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            statuses.Add((await first.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode);
        }

        statuses.Count(s => s == HttpStatusCode.OK).ShouldBeInRange(3, 6, "3 per second; the loop may straddle a window");
        statuses.ShouldContain(HttpStatusCode.TooManyRequests);
        var limited = await first.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken);
        if (limited.StatusCode == HttpStatusCode.TooManyRequests)
        {
            limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds.ShouldBeGreaterThanOrEqualTo(1);
            limited.Headers.GetValues("RateLimit-Policy").Single().ShouldBe("3;w=1, 1000;w=3600");
            var problem = await limited.Content.ReadFromJsonAsync<JsonNode>(TestContext.Current.CancellationToken);
            problem!["code"]!.GetValue<string>().ShouldBe("RATE_LIMITED");
        }

        (await second.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK, "another key has its own budget");
        for (var i = 0; i < 10; i++)
        {
            (await first.GetAsync(Url("/health/live"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK, "probes are not limited");
        }
    }

    [Fact]
    public async Task A_key_with_limits_of_its_own_gets_those_instead_of_the_defaults()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?> { ["Limits:RequestsPerSecond"] = "0", ["Limits:RequestsPerHour"] = "0" });
        using var admin = server.Client(await server.CreateKeyAsync("root", admin: true));
        var (status, created) = await admin.PostJsonAsync("/api/v1/admin/keys", """{"name":"metered","requests_per_second":2,"requests_per_hour":1000}""");
        status.ShouldBe(HttpStatusCode.Created, created?.ToJsonString());
        created!["key"]!["requests_per_second"]!.GetValue<int>().ShouldBe(2);
        using var metered = server.Client(created["secret"]!.GetValue<string>());
        using var unmetered = server.Client(await server.CreateKeyAsync("free"));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            var response = await metered.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                response.Headers.GetValues("RateLimit-Policy").Single().ShouldBe("2;w=1, 1000;w=3600");
            }
        }

        statuses.Count(s => s == HttpStatusCode.OK).ShouldBeInRange(2, 4, "2 per second; the loop may straddle a window");
        statuses.ShouldContain(HttpStatusCode.TooManyRequests);
        for (var i = 0; i < 10; i++)
        {
            (await unmetered.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK, "the defaults are off here");
        }
    }

    [Fact]
    public async Task Requests_without_a_key_are_limited_per_address()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?> { ["Limits:RequestsPerSecond"] = "1000", ["Limits:RequestsPerHour"] = "4" });
        using var anonymous = server.Client();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add((await anonymous.GetAsync(Url("/api/v1/capabilities"), TestContext.Current.CancellationToken)).StatusCode);
        }

        statuses.ShouldBe([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests]);
    }

    [Fact]
    public async Task Job_quotas_answer_quota_exceeded()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?>
        {
            ["Limits:MaxActiveJobsPerTenant"] = "1",
            ["Limits:MaxJobsPerDayPerTenant"] = "2",
        });
        await TestMedia.GenerateAsync(Path.Combine(server.StorageRoot, "input", "long.mp4"), 30, "640x360");
        using var client = server.Client(await server.CreateKeyAsync("q"));
        const string Slow = """{"input":"/storage/input/long.mp4","output":{"format":"mp4","video":{"preset":"veryslow"}}}""";
        var first = await client.SubmitAsync(Slow);
        var (status, problem) = await client.PostJsonAsync("/api/v1/convert", Slow);
        status.ShouldBe(HttpStatusCode.TooManyRequests);
        problem!["code"]!.GetValue<string>().ShouldBe("QUOTA_EXCEEDED");
        problem["detail"]!.GetValue<string>().ShouldContain("limit is 1");
        problem["error"]!["doc_url"]!.GetValue<string>().ShouldEndWith("#QUOTA_EXCEEDED");

        using var other = server.Client(await server.CreateKeyAsync("other tenant"));
        var otherId = await other.SubmitAsync("""{"input":"/storage/input/long.mp4","output":"mp3","operations":[{"type":"trim","duration":1}]}""");
        (await other.WaitForEndAsync(otherId))["status"]!.GetValue<string>().ShouldBe("completed", "quotas are per tenant");

        await client.DeleteAsync(Url($"/api/v1/jobs/{first}"), TestContext.Current.CancellationToken);
        await client.WaitForEndAsync(first);
        var second = await client.SubmitAsync("""{"input":"/storage/input/long.mp4","output":"mp3","operations":[{"type":"trim","duration":1}]}""");
        await client.WaitForEndAsync(second);
        var (daily, dailyProblem) = await client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/long.mp4","output":"mp3"}""");
        daily.ShouldBe(HttpStatusCode.TooManyRequests);
        dailyProblem!["detail"]!.GetValue<string>().ShouldContain("daily limit is 2");
    }

    [Fact]
    public async Task Inputs_over_the_size_limit_are_refused_naming_the_field()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?> { ["Jobs:MaxInputBytes"] = "10000" });
        await TestMedia.GenerateAsync(Path.Combine(server.StorageRoot, "input", "big.mp4"), 2);
        using var client = server.Client(await server.CreateKeyAsync("sizes"));
        var (status, problem) = await client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/big.mp4","output":"mp3"}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!["input"]![0]!.GetValue<string>().ShouldContain("accepts up to 9.77 KiB");
        var (analyze, analyzeProblem) = await client.PostJsonAsync("/api/v1/analyze", """{"input":"/storage/input/big.mp4","reference":"/storage/input/big.mp4"}""");
        analyze.ShouldBe(HttpStatusCode.UnprocessableEntity);
        analyzeProblem!["errors"]!.AsObject().ContainsKey("reference").ShouldBeTrue();

        // Files named by operations count the same: a joined input, a watermark image.
        await TestMedia.GenerateAsync(Path.Combine(server.StorageRoot, "input", "tiny.mp4"), 0.2, size: "32x32", audio: false);
        var (concat, concatProblem) = await client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/tiny.mp4","output":"mp4","operations":[{"type":"concat","inputs":["/storage/input/big.mp4"]}]}""");
        concat.ShouldBe(HttpStatusCode.UnprocessableEntity);
        concatProblem!["errors"]!["operations[0].inputs[0]"]![0]!.GetValue<string>().ShouldContain("accepts up to 9.77 KiB");
        var (watermark, watermarkProblem) = await client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/tiny.mp4","output":"mp4","operations":[{"type":"watermark","image":"/storage/input/big.mp4"}]}""");
        watermark.ShouldBe(HttpStatusCode.UnprocessableEntity);
        watermarkProblem!["errors"]!["operations[0].image"]![0]!.GetValue<string>().ShouldContain("Jobs:MaxInputBytes");
    }

    [Fact]
    public async Task Frames_over_the_resolution_limit_are_refused_at_submit_and_before_the_run()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?> { ["Jobs:MaxWidth"] = "640", ["Jobs:MaxHeight"] = "360" });
        await TestMedia.GenerateAsync(Path.Combine(server.StorageRoot, "input", "small.mp4"), 1, audio: false);
        await TestMedia.GenerateAsync(Path.Combine(server.StorageRoot, "input", "wide.mp4"), 1, size: "800x450", audio: false);
        using var client = server.Client(await server.CreateKeyAsync("frames"));

        var (output, outputProblem) = await client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/small.mp4","output":{"format":"mp4","video":{"resolution":"1280x720"}}}""");
        output.ShouldBe(HttpStatusCode.UnprocessableEntity);
        outputProblem!["errors"]!["output.video.resolution"]![0]!.GetValue<string>().ShouldContain("640x360");
        var (scale, scaleProblem) = await client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/small.mp4","output":"mp4","operations":[{"type":"scale","width":1000}]}""");
        scale.ShouldBe(HttpStatusCode.UnprocessableEntity);
        scaleProblem!["errors"]!.AsObject().ContainsKey("operations[0]").ShouldBeTrue(scaleProblem.ToJsonString());
        var (ladder, ladderProblem) = await client.PostJsonAsync("/api/v1/stream", """{"input":"/storage/input/small.mp4","variants":[{"resolution":"720p"}]}""");
        ladder.ShouldBe(HttpStatusCode.UnprocessableEntity);
        ladderProblem!["errors"]!.AsObject().ContainsKey("variants[0].resolution").ShouldBeTrue(ladderProblem.ToJsonString());
        var (batch, _) = await client.PostJsonAsync("/api/v1/batch", """{"jobs":[{"type":"convert","request":{"input":"/storage/input/small.mp4","output":{"format":"mp4","video":{"resolution":"4k"}}}}]}""");
        batch.ShouldBe(HttpStatusCode.UnprocessableEntity);

        // Portrait fits either way round.
        var portrait = await client.SubmitAsync("""{"input":"/storage/input/small.mp4","output":{"path":"/storage/output/portrait.mp4","video":{"resolution":"360x640"}}}""");
        (await client.WaitForEndAsync(portrait))["status"]!.GetValue<string>().ShouldBe("completed");
        var fitted = (await TestMedia.ProbeAsync(server.Physical("/storage/output/portrait.mp4"))).FirstVideo!;
        fitted.Width!.Value.ShouldBeLessThanOrEqualTo(360); // fitted into the 360x640 box (no upscaling by default)

        // An input larger than the limit is refused once probed, on both probe paths (conversion, thumbnails).
        foreach (var (url, body) in new[]
        {
            ("/api/v1/convert", """{"input":"/storage/input/wide.mp4","output":"mp4"}"""),
            ("/api/v1/thumbnails", """{"input":"/storage/input/wide.mp4","count":2,"width":64}"""),
        })
        {
            var id = await client.SubmitToAsync(url, body);
            var failed = await client.WaitForEndAsync(id);
            failed["status"]!.GetValue<string>().ShouldBe("failed", failed.ToJsonString());
            failed["error"]!["code"]!.GetValue<string>().ShouldBe("INVALID_INPUT");
            failed["error"]!["message"]!.GetValue<string>().ShouldContain("800x450");
        }
    }

    [Fact]
    public async Task The_hourly_limit_is_shared_by_api_processes_on_postgresql()
    {
        Assert.SkipUnless(TestDatabase.IsPostgres, "needs PostgreSQL (the second pass of make test sets FFMPEG_API_TEST_POSTGRES)");
        var limits = new Dictionary<string, string?> { ["Limits:RequestsPerSecond"] = "0", ["Limits:RequestsPerHour"] = "20", ["Worker:Enabled"] = "false" };
        await using var first = await ApiServer.StartAsync(limits);
        var shared = new Dictionary<string, string?>(limits)
        {
            ["Database:ConnectionString"] = first.Service<Microsoft.Extensions.Options.IOptions<FfmpegApi.Core.Configuration.DatabaseOptions>>().Value.ConnectionString,
        };
        await using var second = await ApiServer.StartAsync(shared);
        var key = await first.CreateKeyAsync("shared");
        using var a = first.Client(key);
        using var b = second.Client(key);

        async Task<int> AdmittedAsync(HttpClient client, int requests)
        {
            var admitted = 0;
            for (var i = 0; i < requests; i++)
            {
                admitted += (await client.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode == HttpStatusCode.OK ? 1 : 0;
            }

            return admitted;
        }

        // Each process adds its count to the shared row every second and reads the total back.
        (await AdmittedAsync(a, 12)).ShouldBe(12);
        await Task.Delay(2500, TestContext.Current.CancellationToken);
        (await AdmittedAsync(b, 1)).ShouldBe(1);
        await Task.Delay(2500, TestContext.Current.CancellationToken);
        (await AdmittedAsync(b, 20)).ShouldBe(7, "20 an hour for the key across both processes: 12 + 1 were used");
        var refused = await b.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken);
        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds.ShouldBeInRange(1, 3600);
        await Task.Delay(2500, TestContext.Current.CancellationToken);
        (await AdmittedAsync(a, 3)).ShouldBe(0, "the first process learned the total too");
    }
}
