using System.Net;
using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// Inputs given as http(s) URLs, against a real origin on 127.0.0.1. By default loopback is refused like any private
/// address (at submit, no request is made); the operator's <c>RemoteInputs:AllowedTargets</c> lets exactly
/// 127.0.0.1 through, and then: downloads are converted, redirects are re-checked hop by hop, the size limit holds
/// with or without a Content-Length, errors say whether a retry can help, and a cancel stops a download.
/// </summary>
public sealed class RemoteInputTests : IAsyncLifetime
{
    private LoopbackFileServer _origin = null!;
    private ApiServer _server = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _origin = await LoopbackFileServer.StartAsync();
        await TestMedia.GenerateAsync(Path.Combine(_origin.Root, "clip.mp4"), 2);
        _server = await ApiServer.StartAsync(new Dictionary<string, string?>
        {
            ["RemoteInputs:AllowedTargets:0"] = "127.0.0.1/32",
            ["RemoteInputs:IdleTimeoutSeconds"] = "5",
            ["Worker:RetryBaseSeconds"] = "1",
        });
        _client = _server.Client(await _server.CreateKeyAsync("remote"));
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        await _origin.DisposeAsync();
    }

    [Fact]
    public async Task A_url_input_is_downloaded_converted_and_the_workspace_removed()
    {
        var url = _origin.Url("/files/clip.mp4?X-Amz-Signature=s3cr3t");
        var id = await _client.SubmitAsync(JobClient.Json(new { input = url, output = new { path = "/storage/output/remote.mp4", format = "mp4", video = new { codec = "h264" } } }));

        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var info = await TestMedia.ProbeAsync(_server.Physical("/storage/output/remote.mp4"));
        info.FirstVideo!.CodecName.ShouldBe("h264");
        info.DurationSeconds!.Value.ShouldBe(2, 0.1);
        Directory.Exists(Path.Combine(_server.WorkspaceRoot, id)).ShouldBeFalse();
        var logs = await _client.GetStringAsync(new Uri($"/api/v1/jobs/{id}/logs?lines=1000", UriKind.Relative));
        logs.ShouldContain("downloaded http://127.0.0.1");
        logs.ShouldNotContain("s3cr3t"); // a presigned URL's signature never reaches the log
        var metrics = await _client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        metrics.ShouldContain("ffmpegapi_remote_inputs_downloaded_bytes_total");
        metrics.ShouldMatch("ffmpegapi_remote_inputs_fetches_total\\{[^}]*outcome=\"ok\"\\} [1-9]");
    }

    [Fact]
    public async Task A_redirect_is_followed_to_an_allowed_place_and_refused_to_any_other()
    {
        var relative = await _client.SubmitAsync(Convert(_origin.Url("/redirect?to=/files/clip.mp4"), "redirected.mp4"));
        (await _client.WaitForEndAsync(relative))["status"]!.GetValue<string>().ShouldBe("completed");

        // 127.0.0.2 is loopback too, but only 127.0.0.1/32 is allowed: the hop is refused before any connection.
        foreach (var target in new[] { $"http://127.0.0.2:{_origin.Port}/files/clip.mp4", "file:///etc/passwd", $"http://[::1]:{_origin.Port}/files/clip.mp4" })
        {
            var id = await _client.SubmitAsync(Convert(_origin.Url("/redirect?to=" + Uri.EscapeDataString(target)), "refused.mp4"));
            var failed = await _client.WaitForEndAsync(id);
            failed["status"]!.GetValue<string>().ShouldBe("failed", failed.ToJsonString());
            failed["error"]!["code"]!.GetValue<string>().ShouldBe("INVALID_INPUT");
            failed["error"]!["message"]!.GetValue<string>().ShouldContain("refused");
        }

        File.Exists(_server.Physical("/storage/output/refused.mp4")).ShouldBeFalse();
        _origin.Requests.Count(r => r.StartsWith("/files/", StringComparison.Ordinal)).ShouldBe(1);
    }

    [Fact]
    public async Task The_size_limit_holds_with_and_without_a_content_length()
    {
        await using var small = await ApiServer.StartAsync(new Dictionary<string, string?>
        {
            ["RemoteInputs:AllowedTargets:0"] = "127.0.0.1",
            ["Jobs:MaxInputBytes"] = "20000",
        });
        using var client = small.Client(await small.CreateKeyAsync("small"));
        new FileInfo(Path.Combine(_origin.Root, "clip.mp4")).Length.ShouldBeGreaterThan(20000);

        foreach (var path in new[] { "/files/clip.mp4", "/chunked/clip.mp4" })
        {
            var id = await client.SubmitAsync(Convert(_origin.Url(path), "big.mp4"));
            var failed = await client.WaitForEndAsync(id);
            failed["status"]!.GetValue<string>().ShouldBe("failed", failed.ToJsonString());
            failed["error"]!["code"]!.GetValue<string>().ShouldBe("INVALID_INPUT");
            failed["error"]!["message"]!.GetValue<string>().ShouldContain("larger than this server accepts");
            Directory.Exists(Path.Combine(small.WorkspaceRoot, id)).ShouldBeFalse();
        }
    }

    [Fact]
    public async Task A_missing_input_fails_at_once_and_an_unavailable_one_is_retried_then_dead()
    {
        var missing = await _client.SubmitAsync(Convert(_origin.Url("/status/404"), "missing.mp4"));
        var failed = await _client.WaitForEndAsync(missing);
        failed["status"]!.GetValue<string>().ShouldBe("failed");
        failed["error"]!["code"]!.GetValue<string>().ShouldBe("INVALID_INPUT");
        failed["error"]!["message"]!.GetValue<string>().ShouldContain("answered 404");
        failed["attempts"]!.GetValue<int>().ShouldBe(1);

        var body = JsonNode.Parse(Convert(_origin.Url("/status/503"), "unavailable.mp4"))!;
        body["options"] = new JsonObject { ["max_attempts"] = 2 };
        var unavailable = await _client.SubmitAsync(body.ToJsonString());
        var dead = await _client.WaitForEndAsync(unavailable);
        dead["status"]!.GetValue<string>().ShouldBe("dead", dead.ToJsonString());
        dead["error"]!["code"]!.GetValue<string>().ShouldBe("INPUT_UNAVAILABLE");
        dead["attempt_history"]!.AsArray().Select(a => a!["outcome"]!.GetValue<string>()).ShouldBe(["retried", "dead"]);
        _origin.Requests.Count(r => r == "/status/503").ShouldBe(2);
    }

    [Fact]
    public async Task A_cancel_stops_a_download_in_progress()
    {
        var id = await _client.SubmitAsync(Convert(_origin.Url("/slow"), "slow.mp4"));
        await WaitForStageAsync(id, "downloading");

        using var response = await _client.DeleteAsync(new Uri($"/api/v1/jobs/{id}", UriKind.Relative));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _client.WaitForEndAsync(id, 15))["status"]!.GetValue<string>().ShouldBe("cancelled");
        Directory.Exists(Path.Combine(_server.WorkspaceRoot, id)).ShouldBeFalse();
    }

    [Fact]
    public async Task Without_an_allowlist_loopback_and_other_schemes_are_refused_at_submit()
    {
        await using var strict = await ApiServer.StartAsync();
        using var client = strict.Client(await strict.CreateKeyAsync("strict"));
        var port = _origin.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] refused =
        [
            $"http://127.0.0.1:{port}/files/clip.mp4",
            $"http://127.0.0.2:{port}/files/clip.mp4",
            $"http://[::1]:{port}/files/clip.mp4",
            $"http://[::ffff:127.0.0.1]:{port}/files/clip.mp4",
            $"http://localhost:{port}/files/clip.mp4",
            $"http://2130706433:{port}/files/clip.mp4", // 127.0.0.1 as one decimal number
            $"http://0x7f.0.0.1:{port}/files/clip.mp4", // and in hex
            $"http://017700000001:{port}/files/clip.mp4", // and in octal
            $"http://user:pw@127.0.0.1:{port}/files/clip.mp4",
            $"ftp://127.0.0.1:{port}/clip.mp4",
            "file:///etc/passwd",
            "concat:/storage/input/a.mp4|/etc/passwd",
            "subfile:,start,0,end,0,,:/etc/passwd",
        ];

        foreach (var url in refused)
        {
            var (status, body) = await client.PostJsonAsync("/api/v1/convert", Convert(url, "x.mp4"));
            status.ShouldBe(HttpStatusCode.UnprocessableEntity, $"{url}: {body?.ToJsonString()}");
            body!["errors"]!["input"].ShouldNotBeNull(url);
        }

        _origin.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Remote_inputs_can_be_switched_off()
    {
        await using var off = await ApiServer.StartAsync(new Dictionary<string, string?> { ["RemoteInputs:Enabled"] = "false" });
        using var client = off.Client(await off.CreateKeyAsync("off"));
        var (status, body) = await client.PostJsonAsync("/api/v1/convert", Convert("https://example.com/clip.mp4", "x.mp4"));
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        body!["errors"]!["input"]![0]!.GetValue<string>().ShouldContain("RemoteInputs:Enabled");
    }

    private static string Convert(string input, string output) =>
        JobClient.Json(new { input, output = new { path = $"/storage/output/{output}", format = "mp4" } });

    private async Task WaitForStageAsync(string id, string stage)
    {
        for (var i = 0; i < 150; i++)
        {
            var job = await _client.GetJobAsync(id);
            if (job["stage"]?.GetValue<string>() == stage)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"job {id} never reached stage {stage}");
    }
}
