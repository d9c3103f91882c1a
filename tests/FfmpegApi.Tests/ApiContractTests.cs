using System.Net;
using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>Authentication, tenant isolation, validation errors, listing and the system endpoints.</summary>
[Collection(ServerCollection.Name)]
public sealed class ApiContractTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    [Fact]
    public async Task Missing_and_invalid_keys_get_401_problems()
    {
        using var anonymous = _server.Client();
        using var missing = await anonymous.GetAsync(new Uri("/api/v1/jobs", UriKind.Relative));
        missing.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        missing.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = JsonNode.Parse(await missing.Content.ReadAsStringAsync())!;
        problem["detail"]!.GetValue<string>().ShouldBe("API key required");
        problem["code"]!.GetValue<string>().ShouldBe("UNAUTHORIZED");
        problem["request_id"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        problem["error"]!["code"]!.GetValue<string>().ShouldBe("UNAUTHORIZED");

        foreach (var bad in new[] { "nonsense", "fa_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", fixture.UserKey[..^2] + "xx" })
        {
            using var client = _server.Client(bad);
            using var invalid = await client.GetAsync(new Uri("/api/v1/jobs", UriKind.Relative));
            invalid.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            JsonNode.Parse(await invalid.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>().ShouldBe("Invalid API key");
        }
    }

    [Fact]
    public async Task Bearer_tokens_work_like_the_header()
    {
        using var bearer = _server.Client(fixture.UserKey, bearer: true);
        using var response = await bearer.GetAsync(new Uri("/api/v1/jobs", UriKind.Relative));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Another_tenant_gets_404_and_an_admin_sees_everything()
    {
        var id = await _client.SubmitAsync("""{"input":"/storage/input/short.mp4","output":"mp3"}""");
        using var other = _server.Client(await _server.CreateKeyAsync("other"));
        foreach (var path in new[] { $"/api/v1/jobs/{id}", $"/api/v1/jobs/{id}/logs", $"/api/v1/jobs/{id}/output" })
        {
            using var response = await other.GetAsync(new Uri(path, UriKind.Relative));
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, path);
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            problem["code"]!.GetValue<string>().ShouldBe("JOB_NOT_FOUND");
            problem["detail"]!.GetValue<string>().ShouldBe("Job not found");
        }

        using var cancel = await other.DeleteAsync(new Uri($"/api/v1/jobs/{id}", UriKind.Relative));
        cancel.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var othersList = await other.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/jobs", UriKind.Relative));
        othersList!["jobs"]!.AsArray().ShouldNotContain(j => j!["id"]!.GetValue<string>() == id);

        using var admin = _server.Client(await _server.CreateKeyAsync("root", admin: true));
        (await admin.GetJobAsync(id))["id"]!.GetValue<string>().ShouldBe(id);
        (await _client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("completed");
    }

    [Theory]
    [InlineData("""{"input":"/storage/input/../../etc/passwd","output":"mp4"}""", "INVALID_INPUT", "input")]
    [InlineData("""{"input":"/etc/passwd","output":"mp4"}""", "INVALID_INPUT", "input")]
    [InlineData("""{"input":"relative/file.mp4","output":"mp4"}""", "INVALID_INPUT", "input")]
    [InlineData("""{"input":"/storage/input/missing.mp4","output":"mp4"}""", "INVALID_INPUT", "input")]
    [InlineData("""{"output":"mp4"}""", "INVALID_INPUT", "input")]
    [InlineData("""{"input":5,"output":"mp4"}""", "INVALID_INPUT", "input")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":{"format":"webm","video":{"codec":"prores"}}}""", "CODEC_MISMATCH", "output.video.codec")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":{"format":"mp3","video":{"codec":"h264"}}}""", "CODEC_MISMATCH", "output.video.codec")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{"codec":"wmv9"}}}""", "INVALID_OUTPUT", "output.video.codec")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"exe"}""", "INVALID_OUTPUT", "output.format")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"/storage/output/noext"}""", "INVALID_OUTPUT", "output.format")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"/tmp/x.mp4"}""", "INVALID_OUTPUT", "output.path")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"/storage/input/short.mp4"}""", "INVALID_OUTPUT", "output")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{"crf":99}}}""", "INVALID_OUTPUT", "output.video.crf")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{"resolution":"huge"}}}""", "INVALID_OUTPUT", "output.video.resolution")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{"preset":"ludicrous"}}}""", "INVALID_OUTPUT", "output.video.preset")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":{"format":"mp4","audio":{"bitrate":"loud"}}}""", "INVALID_OUTPUT", "output.audio.bitrate")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":{"format":"webm","audio":{"codec":"opus","sample_rate":44100}}}""", "INVALID_OUTPUT", "output.audio.sample_rate")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","operations":[{"type":"explode"}]}""", "INVALID_OPERATION", "operations[0].type")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","operations":[{"type":"trim","start":5,"end":2}]}""", "INVALID_OPERATION", "operations[0].end")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","operations":[{"type":"trim","start":"soon"}]}""", "INVALID_OPERATION", "operations[0].start")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","operations":[{"type":"scale"}]}""", "INVALID_OPERATION", "operations[0]")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{"codec":"copy"}},"operations":[{"type":"scale","width":100}]}""", "INVALID_OPERATION", "operations[0]")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","options":{"priority":"urgent!"}}""", "INVALID_REQUEST", "options.priority")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","options":{"timeout_seconds":0}}""", "INVALID_REQUEST", "options.timeout_seconds")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","surprise":true}""", "INVALID_REQUEST", "surprise")]
    [InlineData("""[1,2,3]""", "INVALID_REQUEST", "body")]
    public async Task Bad_bodies_get_422_naming_the_field(string body, string code, string field)
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", body);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["code"]!.GetValue<string>().ShouldBe(code, problem.ToJsonString());
        problem["errors"]!.AsObject().ContainsKey(field).ShouldBeTrue(problem.ToJsonString());
        problem["status"]!.GetValue<int>().ShouldBe(422);
        problem["detail"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        problem["error"]!["details"]!["field"].ShouldNotBeNull();
    }

    [Fact]
    public async Task Codec_mismatch_lists_the_allowed_codecs()
    {
        var (_, problem) = await _client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/short.mp4","output":{"format":"webm","video":{"codec":"prores"}}}""");
        problem!["errors"]!["output.video.codec"]![0]!.GetValue<string>().ShouldContain("Allowed: vp9, vp8, av1, copy");
    }

    [Theory]
    [InlineData("""{"input":"/storage/input/short.mp4","output":{"format":"webm","video":{"codec":"vp99"}}}""", "output.video.codec", "vp99", "vp9")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp5"}""", "output.format", "mp5", "mp4")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","options":{"priority":"hgh"}}""", "options.priority", "hgh", "high")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"mp4","prioriy":"high"}""", "prioriy", "prioriy", "priority")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":{"format":"webm","video":{"codec":"prores"}}}""", "output.video.codec", "prores", null)]
    public async Task Error_details_carry_value_allowed_and_a_suggestion(string body, string field, string value, string? suggestion)
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", body);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var details = problem!["error"]!["details"]!;
        details["field"]!.GetValue<string>().ShouldBe(field);
        details["value"]!.GetValue<string>().ShouldBe(value);
        details["allowed"]!.AsArray().Count.ShouldBeGreaterThan(1);
        details["suggestion"]?.GetValue<string>().ShouldBe(suggestion);
        if (suggestion is null)
        {
            details["suggestion"].ShouldBeNull();
        }

        problem["error"]!["doc_url"]!.GetValue<string>().ShouldBe($"/docs/errors.md#{problem["code"]!.GetValue<string>()}");
        problem.AsObject().ContainsKey("error_lead").ShouldBeFalse();
    }

    [Fact]
    public async Task Too_many_operations_are_refused()
    {
        var ops = string.Join(',', Enumerable.Repeat("""{"type":"scale","width":320}""", 21));
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", $$"""{"input":"/storage/input/short.mp4","output":"mp4","operations":[{{ops}}]}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!["operations"]![0]!.GetValue<string>().ShouldContain("At most 20");
    }

    [Fact]
    public async Task A_symlink_out_of_the_mount_is_refused()
    {
        var link = Path.Combine(_server.StorageRoot, "input", "escape.mp4");
        var target = Path.Combine(_server.DataDir, "outside.mp4");
        await TestMedia.GenerateAsync(target, 1);
        if (!File.Exists(link))
        {
            File.CreateSymbolicLink(link, target);
        }

        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/escape.mp4","output":"mp4"}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!["input"]![0]!.GetValue<string>().ShouldContain("outside");
    }

    [Fact]
    public async Task Fifos_and_empty_files_are_refused_as_inputs()
    {
        var fifo = Path.Combine(_server.StorageRoot, "input", "pipe.mp4");
        if (!File.Exists(fifo))
        {
            using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])!;
            await mkfifo.WaitForExitAsync();
            mkfifo.ExitCode.ShouldBe(0);
        }

        await File.WriteAllBytesAsync(Path.Combine(_server.StorageRoot, "input", "empty.mp4"), []);
        foreach (var name in new[] { "pipe.mp4", "empty.mp4" })
        {
            var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", $$"""{"input":"/storage/input/{{name}}","output":"mp4"}""");
            status.ShouldBe(HttpStatusCode.UnprocessableEntity, name);
            problem!["errors"]!["input"]![0]!.GetValue<string>().ShouldContain("not a regular file");
        }
    }

    [Fact]
    public async Task Malformed_json_wrong_content_type_and_huge_bodies()
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", """{"input": """);
        status.ShouldBe(HttpStatusCode.BadRequest);
        problem!["code"]!.GetValue<string>().ShouldBe("MALFORMED_JSON");

        using var text = new StringContent("input=x", System.Text.Encoding.UTF8, "text/plain");
        using var wrongType = await _client.PostAsync(new Uri("/api/v1/convert", UriKind.Relative), text);
        wrongType.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);

        var huge = $$"""{"input":"/storage/input/short.mp4","output":"mp4","pad":"{{new string('x', 2 * 1024 * 1024)}}"}""";
        // Expect: 100-continue, as clients sending large bodies do: the server refuses on the Content-Length alone, and
        // the client never has to push 2 MB into a connection the server is closing (without it, a broken pipe can
        // win the race against reading the 413).
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/convert", UriKind.Relative)) { Content = new StringContent(huge, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        using var hugeResponse = await _client.SendAsync(request);
        hugeResponse.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        JsonNode.Parse(await hugeResponse.Content.ReadAsStringAsync())!["code"]!.GetValue<string>().ShouldBe("PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task Unknown_job_ids_and_routes_are_404_problems()
    {
        using var job = await _client.GetAsync(new Uri("/api/v1/jobs/does-not-exist", UriKind.Relative));
        job.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        JsonNode.Parse(await job.Content.ReadAsStringAsync())!["code"]!.GetValue<string>().ShouldBe("JOB_NOT_FOUND");
        using var route = await _client.GetAsync(new Uri("/api/v1/nothing-here", UriKind.Relative));
        route.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        route.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Listing_filters_pages_and_sorts()
    {
        using var client = _server.Client(await _server.CreateKeyAsync("lister"));
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await client.SubmitAsync("""{"input":"/storage/input/short.mp4","output":"mp3"}"""));
        }

        foreach (var id in ids)
        {
            await client.WaitForEndAsync(id);
        }

        var page1 = (await client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/jobs?per_page=2&page=1", UriKind.Relative)))!;
        page1["total"]!.GetValue<int>().ShouldBe(3);
        page1["has_next"]!.GetValue<bool>().ShouldBeTrue();
        page1["has_prev"]!.GetValue<bool>().ShouldBeFalse();
        page1["jobs"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()).ShouldBe([ids[2], ids[1]]);
        var page2 = (await client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/jobs?per_page=2&page=2&sort=created_at:desc", UriKind.Relative)))!;
        page2["jobs"]!.AsArray().Single()!["id"]!.GetValue<string>().ShouldBe(ids[0]);
        page2["has_prev"]!.GetValue<bool>().ShouldBeTrue();
        var asc = (await client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/jobs?sort=created_at:asc", UriKind.Relative)))!;
        asc["jobs"]![0]!["id"]!.GetValue<string>().ShouldBe(ids[0]);

        var completed = (await client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/jobs?status=completed", UriKind.Relative)))!;
        completed["total"]!.GetValue<int>().ShouldBe(3);
        var processing = (await client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/jobs?status=processing", UriKind.Relative)))!;
        processing["total"]!.GetValue<int>().ShouldBe(0);

        foreach (var bad in new[] { "per_page=101", "page=0", "status=weird", "sort=name" })
        {
            using var response = await client.GetAsync(new Uri($"/api/v1/jobs?{bad}", UriKind.Relative));
            response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, bad);
        }
    }

    [Fact]
    public async Task Capabilities_come_from_the_installed_ffmpeg()
    {
        var caps = (await _client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/capabilities", UriKind.Relative)))!;
        caps["version"]!.GetValue<string>().ShouldNotBe("unknown");
        caps["encoders"]!.AsArray().ShouldContain(e => e!["name"]!.GetValue<string>() == "libx264");
        caps["decoders"]!.AsArray().Count.ShouldBeGreaterThan(50);
        caps["filters"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldContain("scale");
        caps["hwaccels"].ShouldNotBeNull();
        caps["formats"]!["output"]!["containers"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldContain("webm");
        caps["formats"]!["output"]!["video_codecs"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldContain("h264");
        caps["formats"]!["output"]!["audio_codecs"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldContain("opus");
        caps["formats"]!["input"]!["video"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldContain("matroska");
        caps["formats"]!["input"]!["audio"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldContain("mp3");
        caps["features"]!["concurrent_jobs"]!.GetValue<int>().ShouldBe(2);
        caps["operations"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldContain("trim");
        caps["analysis"]!["metrics"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldBe(["vmaf", "psnr", "ssim"]); // psnr/ssim from Debian's ffmpeg, vmaf from the libvmaf build that install-deps unpacks
        caps["storage_backends"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldBe(["local"]);
        caps["hardware_acceleration"]!["types"]!.AsArray().Count.ShouldBe(caps["hwaccels"]!.AsArray().Count);
    }

    [Fact]
    public async Task Health_and_openapi_are_public()
    {
        using var anonymous = _server.Client();
        using var live = await anonymous.GetAsync(new Uri("/health/live", UriKind.Relative));
        live.StatusCode.ShouldBe(HttpStatusCode.OK);
        var ready = (await anonymous.GetFromJsonAsync<JsonNode>(new Uri("/health/ready", UriKind.Relative)))!;
        ready["status"]!.GetValue<string>().ShouldBe("ready");
        ready["checks"]!["database"]!["status"]!.GetValue<string>().ShouldBe("ok");
        ready["checks"]!["ffmpeg"]!["status"]!.GetValue<string>().ShouldBe("ok");
        var openapi = (await anonymous.GetFromJsonAsync<JsonNode>(new Uri("/openapi/v1.json", UriKind.Relative)))!;
        openapi["paths"]!.AsObject().ContainsKey("/api/v1/convert").ShouldBeTrue();
        openapi["paths"]!.AsObject().ContainsKey("/api/v1/jobs/{id}/events").ShouldBeTrue();
        using var docs = await anonymous.GetAsync(new Uri("/docs/", UriKind.Relative));
        docs.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Every_response_carries_the_security_headers()
    {
        using var anonymous = _server.Client();
        foreach (var path in new[] { "/health/live", "/api/v1/jobs", "/api/v1/nothing", "/openapi/v1.json" })
        {
            using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
            response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff", path);
            response.Headers.GetValues("Referrer-Policy").Single().ShouldBe("no-referrer", path);
            response.Headers.GetValues("X-Frame-Options").Single().ShouldBe("DENY", path);
            response.Headers.Contains("Strict-Transport-Security").ShouldBeFalse("HSTS only over HTTPS");
            response.Headers.Contains("Server").ShouldBeFalse();
        }
    }

    [Fact]
    public async Task Responses_carry_a_request_id()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/jobs/nope", UriKind.Relative));
        request.Headers.Add("X-Request-ID", "trace-me-123");
        using var response = await _client.SendAsync(request);
        response.Headers.GetValues("X-Request-ID").Single().ShouldBe("trace-me-123");
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["request_id"]!.GetValue<string>().ShouldBe("trace-me-123");
    }
}
