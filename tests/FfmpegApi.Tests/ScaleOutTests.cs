using System.Net;
using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// Real processes sharing one PostgreSQL database: <c>migrate</c>, <c>keys</c>, an <c>api</c> process that never runs
/// jobs and a <c>worker</c> process that only runs them. Runs in the PostgreSQL pass of <c>make test</c>.
/// </summary>
public sealed class ScaleOutTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fa-scale-").FullName;
    private Dictionary<string, string?> _database = [];

    public async ValueTask InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async ValueTask DisposeAsync()
    {
        await TestDatabase.DropAsync(_database);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task An_api_process_queues_and_a_worker_process_runs_jobs_through_the_shared_database()
    {
        Assert.SkipUnless(TestDatabase.IsPostgres, "needs PostgreSQL (the second pass of make test sets FFMPEG_API_TEST_POSTGRES)");
        var (migrated, migrateOut) = await ServerProcess.RunCliAsync(_database, "migrate", "--data-dir", _dir);
        migrated.ShouldBe(0, migrateOut);
        var (created, keyOut) = await ServerProcess.RunCliAsync(_database, "keys", "create", "--name", "scale", "--data-dir", _dir);
        created.ShouldBe(0, keyOut);
        var key = keyOut.TrimEnd().Split('\n')[^1];
        var (_, adminOut) = await ServerProcess.RunCliAsync(_database, "keys", "create", "--name", "ops", "--admin", "--data-dir", _dir);
        var adminKey = adminOut.TrimEnd().Split('\n')[^1];
        await TestMedia.GenerateAsync(Path.Combine(_dir, "storage", "input", "in.mp4"), 2);
        await TestMedia.GenerateAsync(Path.Combine(_dir, "storage", "input", "long.mp4"), 60, "640x360");

        using var api = await ServerProcess.StartAsync(_dir, ServerProcess.FreePort(), "api", _database);
        api.Output.ShouldNotContain("First start", customMessage: "the key made by 'keys create' already exists");
        using var client = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        var id = await client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":{"format":"mp4","video":{"preset":"ultrafast","resolution":"160x120"}}}""");
        await Task.Delay(1500);
        (await client.GetJobAsync(id))["status"]!.GetValue<string>().ShouldBe("queued", "an api process runs no jobs");

        // A long idle poll: a job submitted to the api process must reach the idle worker by LISTEN/NOTIFY, not polling.
        var workerSettings = new Dictionary<string, string?>(_database) { ["Worker:IdlePollSeconds"] = "60", ["Worker:DrainSeconds"] = "1" };
        using var worker = await ServerProcess.StartAsync(_dir, ServerProcess.FreePort(), "worker", workerSettings);
        using var probe = new HttpClient { BaseAddress = worker.BaseAddress };
        (await probe.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await probe.GetAsync(new Uri("/api/v1/jobs", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound, "a worker serves no API");

        var done = await client.WaitForEndAsync(id, 60);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var output = await TestMedia.ProbeAsync(Path.Combine(_dir, "storage", "output", $"{id}.mp4"));
        output.FirstVideo!.Width.ShouldBe(160);
        (await probe.GetStringAsync(new Uri("/metrics", UriKind.Relative))).ShouldContain("ffmpegapi_jobs", customMessage: "the worker exports its job metrics");

        // Submitted to the api process while the worker process is idle: NOTIFY wakes it (its poll is 60 s).
        var quick = await client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":"mp3"}""");
        var quickDone = await client.WaitForEndAsync(quick, 30);
        (quickDone["started_at"]!.GetValue<DateTime>() - quickDone["created_at"]!.GetValue<DateTime>()).ShouldBeLessThan(TimeSpan.FromSeconds(2), quickDone.ToJsonString());

        // Progress of a job running in the worker process streams to an SSE client of the api process.
        var slow = await client.SubmitAsync("""{"input":"/storage/input/long.mp4","output":{"format":"mp4","video":{"preset":"veryslow"}}}""");
        await client.WaitForAsync(slow, TimeSpan.FromSeconds(30), "processing");
        var progress = new List<double>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using (var events = await client.GetStreamAsync(new Uri($"/api/v1/jobs/{slow}/events", UriKind.Relative)))
        using (var reader = new StreamReader(events))
        {
            while (progress.Count < 4 && watch.Elapsed < TimeSpan.FromSeconds(12) && await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal) && JsonNode.Parse(line[6..])!["percentage"]?.GetValue<double>() is { } percent)
                {
                    progress.Add(percent);
                }
            }
        }

        progress.Count.ShouldBe(4, $"progress events within {watch.Elapsed}: {string.Join(", ", progress)}");
        progress.ShouldBeInOrder(SortDirection.Ascending);

        // A cancel sent to the api process reaches the worker process that runs the job.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cancel = await client.DeleteAsync(new Uri($"/api/v1/jobs/{slow}", UriKind.Relative));
        var answer = JsonNode.Parse(await cancel.Content.ReadAsStringAsync())!;
        answer["status"]!.GetValue<string>().ShouldBe("cancelled", answer.ToJsonString());
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        File.Exists(Path.Combine(_dir, "storage", "output", $"{slow}.mp4")).ShouldBeFalse();

        // SIGTERM: the worker stops claiming, gives the running encode its drain time (1 s here), then hands it back
        // to the queue without counting the attempt, and exits cleanly.
        var handed = await client.SubmitAsync("""{"input":"/storage/input/long.mp4","output":{"format":"mp4","video":{"preset":"veryslow"}}}""");
        await client.WaitForAsync(handed, TimeSpan.FromSeconds(30), "processing");
        using var ops = new HttpClient { BaseAddress = api.BaseAddress };
        ops.DefaultRequestHeaders.Add("X-API-Key", adminKey);
        async Task<JsonNode> WorkerRowAsync() => (await ops.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/admin/workers", UriKind.Relative)))!["workers"]!.AsArray().Single()!;
        var row = await WorkerRowAsync();
        row["status"]!.GetValue<string>().ShouldBe("alive");
        row["running_jobs"]!.AsArray().Select(j => j!.GetValue<string>()).ShouldBe([handed]);
        row["process_id"]!.GetValue<int>().ShouldBe(worker.Pid);

        // .NET ends a process stopped by SIGTERM with the conventional 143 (128 + 15) after its graceful shutdown.
        (await worker.TerminateAsync(TimeSpan.FromSeconds(30))).ShouldBeOneOf([0, 143], worker.Output);
        var back = await client.GetJobAsync(handed);
        back["status"]!.GetValue<string>().ShouldBe("queued", back.ToJsonString());
        back["attempts"]!.GetValue<int>().ShouldBe(0, "a hand-back is not a failed attempt (a killed worker's job would still be 'processing' under its lease)");
        (await WorkerRowAsync())["status"]!.GetValue<string>().ShouldBe("stopped");
    }

    [Fact]
    public async Task When_a_worker_process_is_killed_mid_encode_another_takes_the_job_over_and_publishes_it_once()
    {
        Assert.SkipUnless(TestDatabase.IsPostgres, "needs PostgreSQL (the second pass of make test sets FFMPEG_API_TEST_POSTGRES)");
        var (created, keyOut) = await ServerProcess.RunCliAsync(_database, "keys", "create", "--name", "failover", "--admin", "--data-dir", _dir);
        created.ShouldBe(0, keyOut);
        var key = keyOut.TrimEnd().Split('\n')[^1];
        await TestMedia.GenerateAsync(Path.Combine(_dir, "storage", "input", "in.mp4"), 12, "640x360");

        // Short leases so the test does not wait 30 s for the dead worker's lease to run out.
        var settings = new Dictionary<string, string?>(_database) { ["Worker:LeaseSeconds"] = "5", ["Worker:ReaperIntervalSeconds"] = "1", ["Worker:RetryBaseSeconds"] = "1" };
        using var api = await ServerProcess.StartAsync(_dir, ServerProcess.FreePort(), "api", settings);
        using var first = await ServerProcess.StartAsync(_dir, ServerProcess.FreePort(), "worker", settings);
        using var client = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        var id = await client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":{"format":"mp4","video":{"preset":"slow"}}}""");
        await client.WaitForAsync(id, TimeSpan.FromSeconds(30), "processing");

        // Killed as soon as its encode runs (a slow encode on a quiet machine could otherwise finish first); the
        // replacement starts afterwards and takes the job once the dead worker's lease has run out.
        first.Kill();
        (await client.GetJobAsync(id))["status"]!.GetValue<string>().ShouldBe("processing", "the kill came mid-encode");
        using var second = await ServerProcess.StartAsync(_dir, ServerProcess.FreePort(), "worker", settings);

        var done = await client.WaitForEndAsync(id, 120);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        // The killed run, then the take-over; on a starved machine a take-over may itself miss a lease renewal and be
        // taken over again (still published once).
        var history = done["attempt_history"]!.AsArray().Select(a => a!["outcome"]!.GetValue<string>()).ToList();
        history[0].ShouldBe("lost", string.Join(", ", history));
        history[^1].ShouldBe("completed");
        history.Count.ShouldBe(done["attempts"]!.GetValue<int>());
        history.Count.ShouldBeInRange(2, 3, string.Join(", ", history));
        var output = await TestMedia.ProbeAsync(Path.Combine(_dir, "storage", "output", $"{id}.mp4"));
        output.DurationSeconds!.Value.ShouldBe(12, 0.2);
        Directory.EnumerateFiles(Path.Combine(_dir, "storage", "output")).ShouldBe([Path.Combine(_dir, "storage", "output", $"{id}.mp4")], "one output, no temp leftovers");
        var workers = (await client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/admin/workers", UriKind.Relative)))!["workers"]!.AsArray();
        workers.Single(w => w!["process_id"]!.GetValue<int>() == second.Pid)!["status"]!.GetValue<string>().ShouldBe("alive");
    }
}
