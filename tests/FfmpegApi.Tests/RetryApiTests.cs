using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// Transient failures through the whole service: a real encode whose publish fails (a directory stands where the
/// output goes) is retried after its backoff, and completes once the obstacle is gone, or dies after its last attempt.
/// </summary>
public sealed class RetryApiTests : IAsyncLifetime
{
    private ApiServer _server = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ApiServer.StartAsync(new Dictionary<string, string?> { ["Worker:RetryBaseSeconds"] = "3" });
        await TestMedia.GenerateAsync(Path.Combine(_server.StorageRoot, "input", "in.mp4"), 1, audio: false);
        _client = _server.Client(await _server.CreateKeyAsync("retry"));
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_storage_error_is_retried_after_a_backoff_and_the_retry_completes()
    {
        var blocker = BlockDirectory("first");
        var id = await _client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":{"path":"/storage/output/first/retry.mp4","format":"mp4"},"options":{"max_attempts":2}}""");

        var waiting = await WaitAsync(id, j => j["stage"]?.GetValue<string>() == "retry_scheduled", TimeSpan.FromSeconds(60));
        waiting["status"]!.GetValue<string>().ShouldBe("queued");
        waiting["error"]!["code"]!.GetValue<string>().ShouldBe("STORAGE_ERROR");
        waiting["retry_at"].ShouldNotBeNull();
        waiting["max_attempts"]!.GetValue<int>().ShouldBe(2);
        var first = waiting["attempt_history"]!.AsArray().ShouldHaveSingleItem()!;
        first["outcome"]!.GetValue<string>().ShouldBe("retried");
        first["attempt"]!.GetValue<int>().ShouldBe(1);
        first["error"]!["code"]!.GetValue<string>().ShouldBe("STORAGE_ERROR");

        File.Delete(blocker);
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        done["attempts"]!.GetValue<int>().ShouldBe(2);
        done["error"].ShouldBeNull();
        var history = (await _client.GetJobAsync(id))["attempt_history"]!.AsArray();
        history.Select(a => a!["outcome"]!.GetValue<string>()).ShouldBe(["retried", "completed"]);
        (await TestMedia.ProbeAsync(_server.Physical("/storage/output/first/retry.mp4"))).DurationSeconds!.Value.ShouldBe(1, 0.1);
    }

    [Fact]
    public async Task A_job_that_fails_transiently_on_every_attempt_ends_dead_with_its_history()
    {
        BlockDirectory("second");
        var id = await _client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":{"path":"/storage/output/second/dead.mp4","format":"mp4"},"options":{"max_attempts":2}}""");

        var dead = await _client.WaitForEndAsync(id);
        dead["status"]!.GetValue<string>().ShouldBe("dead", dead.ToJsonString());
        dead["error"]!["code"]!.GetValue<string>().ShouldBe("STORAGE_ERROR");
        dead["error"]!["message"]!.GetValue<string>().ShouldContain("gave up after 2 attempts");
        var history = (await _client.GetJobAsync(id))["attempt_history"]!.AsArray();
        history.Select(a => a!["outcome"]!.GetValue<string>()).ShouldBe(["retried", "dead"]);

        // Clients that know only the original's endings still see the stream end with "failed".
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var stream = await _client.GetStringAsync(new Uri($"/api/v1/jobs/{id}/events", UriKind.Relative), timeout.Token);
        stream.ShouldContain("event: failed");
        stream.ShouldContain("\"status\":\"dead\"");

        var list = await _client.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>(new Uri("/api/v1/jobs?status=dead", UriKind.Relative));
        list!["jobs"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()).ShouldContain(id);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("11")]
    [InlineData("\"3\"")]
    public async Task Max_attempts_out_of_range_is_a_422_naming_the_field(string value)
    {
        var (status, body) = await _client.PostJsonAsync("/api/v1/convert", $$$"""{"input":"/storage/input/in.mp4","output":"mp4","options":{"max_attempts":{{{value}}}}}""");
        ((int)status).ShouldBe(422);
        body!["errors"]!["options.max_attempts"].ShouldNotBeNull(body.ToJsonString());
    }

    /// <summary>A file where the output's directory must go: the publish step fails with an I/O error.</summary>
    private string BlockDirectory(string name)
    {
        var path = _server.Physical("/storage/output/" + name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "in the way");
        return path;
    }

    private async Task<System.Text.Json.Nodes.JsonNode> WaitAsync(string id, Func<System.Text.Json.Nodes.JsonNode, bool> until, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var job = await _client.GetJobAsync(id);
            if (until(job))
            {
                return job;
            }

            clock.Elapsed.ShouldBeLessThan(timeout, job.ToJsonString());
            await Task.Delay(25);
        }
    }
}
