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
        await TestMedia.GenerateAsync(Path.Combine(_dir, "storage", "input", "in.mp4"), 2);
        await TestMedia.GenerateAsync(Path.Combine(_dir, "storage", "input", "long.mp4"), 60, "640x360");

        using var api = await ServerProcess.StartAsync(_dir, ServerProcess.FreePort(), "api", _database);
        api.Output.ShouldNotContain("First start", customMessage: "the key made by 'keys create' already exists");
        using var client = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        var id = await client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":{"format":"mp4","video":{"preset":"ultrafast","resolution":"160x120"}}}""");
        await Task.Delay(1500);
        (await client.GetJobAsync(id))["status"]!.GetValue<string>().ShouldBe("queued", "an api process runs no jobs");

        using var worker = await ServerProcess.StartAsync(_dir, ServerProcess.FreePort(), "worker", _database);
        using var probe = new HttpClient { BaseAddress = worker.BaseAddress };
        (await probe.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await probe.GetAsync(new Uri("/api/v1/jobs", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound, "a worker serves no API");

        var done = await client.WaitForEndAsync(id, 60);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var output = await TestMedia.ProbeAsync(Path.Combine(_dir, "storage", "output", $"{id}.mp4"));
        output.FirstVideo!.Width.ShouldBe(160);
        (await probe.GetStringAsync(new Uri("/metrics", UriKind.Relative))).ShouldContain("ffmpegapi_jobs", customMessage: "the worker exports its job metrics");

        // A cancel sent to the api process reaches the worker process that runs the job.
        var slow = await client.SubmitAsync("""{"input":"/storage/input/long.mp4","output":{"format":"mp4","video":{"preset":"veryslow"}}}""");
        await client.WaitForAsync(slow, TimeSpan.FromSeconds(30), "processing");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cancel = await client.DeleteAsync(new Uri($"/api/v1/jobs/{slow}", UriKind.Relative));
        var answer = JsonNode.Parse(await cancel.Content.ReadAsStringAsync())!;
        answer["status"]!.GetValue<string>().ShouldBe("cancelled", answer.ToJsonString());
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        File.Exists(Path.Combine(_dir, "storage", "output", $"{slow}.mp4")).ShouldBeFalse();
    }
}
