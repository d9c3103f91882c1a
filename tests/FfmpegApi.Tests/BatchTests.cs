using System.Net;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Batches;
using FfmpegApi.Core.Data;
using FfmpegApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Tests;

/// <summary><c>/api/v1/batch</c>: dependencies run in order, failures skip dependents, atomic and partial validation, cancel.</summary>
[Collection(ServerCollection.Name)]
public sealed class BatchTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    private async Task<HttpClient> TenantAsync(string tenant) => _server.Client(await _server.CreateKeyAsync(tenant, tenant: tenant));

    private static object Convert(string input, string output, object? extra = null) => new { type = "convert", request = new { input, output }, depends_on = extra };

    private static async Task<JsonNode> WaitForBatchAsync(HttpClient client, string id, int seconds = 120)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        JsonNode batch;
        do
        {
            batch = (await client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/batch/{id}", UriKind.Relative)))!;
            if (batch["status"]!.GetValue<string>() == "completed")
            {
                return batch;
            }

            await Task.Delay(150);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds));

        throw new TimeoutException($"Batch {id} did not complete: {batch.ToJsonString()}");
    }

    private static string Status(JsonNode batch, int index) => batch["jobs"]![index]!["status"]!.GetValue<string>();

    private async Task<(int Jobs, int Batches)> RowsAsync(string tenant)
    {
        await using var scope = _server.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return (await db.Jobs.CountAsync(j => j.TenantId == tenant), await db.Batches.CountAsync(b => b.TenantId == tenant));
    }

    [Fact]
    public async Task Dependents_run_after_their_dependencies_read_their_outputs_and_one_batch_completed_event_is_sent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = await TenantAsync("batch-deps");
        var (hookStatus, _) = await client.PostJsonAsync("/api/v1/webhooks", JobClient.Json(new { url = receiver.Url(), events = new[] { "job.queued", "job.completed", "batch.completed" } }));
        hookStatus.ShouldBe(HttpStatusCode.Created);

        // Two encodes in parallel, then an analysis of one against the other (needs both), and thumbnails of the first.
        var body = JobClient.Json(new
        {
            jobs = new object[]
            {
                new { type = "convert", request = new { input = "/storage/input/short.mp4", output = new { path = "/storage/output/batch-deps/a.mp4", video = new { codec = "h264", preset = "ultrafast", crf = 20 } } } },
                new { type = "convert", request = new { input = "/storage/input/short.mp4", output = new { path = "/storage/output/batch-deps/b.mp4", video = new { codec = "h264", preset = "ultrafast", crf = 40 } } } },
                new { type = "analyze", request = new { input = "/storage/output/batch-deps/b.mp4", reference = "/storage/output/batch-deps/a.mp4", metrics = new[] { "psnr" } }, depends_on = new[] { 0, 1 } },
                new { type = "thumbnails", request = new { input = "/storage/output/batch-deps/a.mp4", count = 2, width = 64, output = "/storage/output/batch-deps/thumbs" }, depends_on = new[] { 0 } },
            },
        });
        var (status, created) = await client.PostJsonAsync("/api/v1/batch", body);
        status.ShouldBe(HttpStatusCode.Accepted, created?.ToJsonString());
        var batch = created!["batch"]!;
        var id = batch["id"]!.GetValue<string>();
        batch["mode"]!.GetValue<string>().ShouldBe("atomic");
        batch["total"]!.GetValue<int>().ShouldBe(4);
        batch["counts"]!["waiting"]!.GetValue<int>().ShouldBe(2);
        created["rejected"]!.AsArray().ShouldBeEmpty();
        var analysisJob = batch["jobs"]![2]!;
        analysisJob["batch"]!["index"]!.GetValue<int>().ShouldBe(2);
        analysisJob["batch"]!["depends_on"]!.AsArray().Select(n => n!.GetValue<string>())
            .ShouldBe([batch["jobs"]![0]!["id"]!.GetValue<string>(), batch["jobs"]![1]!["id"]!.GetValue<string>()]);

        var done = await WaitForBatchAsync(client, id);
        Enumerable.Range(0, 4).Select(i => Status(done, i)).ShouldAllBe(s => s == "completed", done.ToJsonString());
        done["counts"]!["completed"]!.GetValue<int>().ShouldBe(4);
        done["completed_at"].ShouldNotBeNull();
        DateTime At(int index, string field) => done["jobs"]![index]![field]!.GetValue<DateTime>();
        At(2, "started_at").ShouldBeGreaterThanOrEqualTo(At(0, "completed_at"));
        At(2, "started_at").ShouldBeGreaterThanOrEqualTo(At(1, "completed_at"));
        At(3, "started_at").ShouldBeGreaterThanOrEqualTo(At(0, "completed_at"));
        done["jobs"]![2]!["analysis"]!["metrics"]!["psnr"]!["mean"]!.GetValue<double>().ShouldBeInRange(15, 60);
        var thumb = await TestMedia.ImageAsync(_server.Physical("/storage/output/batch-deps/thumbs/thumb_0002.jpg"));
        thumb.Width.ShouldBe(64);

        var hooks = await receiver.WaitForAsync(r => r.Any(h => h.Body.Contains("\"batch.completed\"", StringComparison.Ordinal)));
        var events = hooks.Select(h => JsonNode.Parse(h.Body)!).ToList();
        var completedEvent = events.Single(e => e["type"]!.GetValue<string>() == "batch.completed");
        completedEvent["data"]!["batch"]!["id"]!.GetValue<string>().ShouldBe(id);
        completedEvent["data"]!["batch"]!["counts"]!["completed"]!.GetValue<int>().ShouldBe(4);

        // A waiting job announces job.queued only once its dependencies are done (in the transaction of the last one's
        // completion). Deliveries of different jobs run in parallel, so compare when the events were created.
        DateTime Created(string type, JsonNode job) => events.Single(e => e["type"]!.GetValue<string>() == type && e["data"]!["job"]?["id"]?.GetValue<string>() == job["id"]!.GetValue<string>())["created_at"]!.GetValue<DateTime>();
        var queued = Created("job.queued", analysisJob);
        queued.ShouldBeGreaterThanOrEqualTo(Created("job.completed", batch["jobs"]![0]!));
        queued.ShouldBeGreaterThanOrEqualTo(Created("job.completed", batch["jobs"]![1]!));
        events.Count(e => e["type"]!.GetValue<string>() == "job.queued").ShouldBe(4);
    }

    [Fact]
    public async Task A_failed_job_skips_its_dependents_transitively_and_independent_jobs_still_run()
    {
        using var client = await TenantAsync("batch-skip");
        var body = JobClient.Json(new
        {
            jobs = new[]
            {
                Convert("/storage/input/notes.mp4", "/storage/output/batch-skip/a.mp4"),
                Convert("/storage/output/batch-skip/a.mp4", "/storage/output/batch-skip/b.mp3", new[] { 0 }),
                Convert("/storage/output/batch-skip/b.mp3", "/storage/output/batch-skip/c.wav", new[] { 1 }),
                Convert("/storage/input/short.mp4", "/storage/output/batch-skip/d.mp3"),
            },
        });
        var (status, created) = await client.PostJsonAsync("/api/v1/batch", body);
        status.ShouldBe(HttpStatusCode.Accepted, created?.ToJsonString());
        var done = await WaitForBatchAsync(client, created!["batch"]!["id"]!.GetValue<string>());
        Enumerable.Range(0, 4).Select(i => Status(done, i)).ShouldBe(["failed", "skipped", "skipped", "completed"]);
        done["counts"]!["skipped"]!.GetValue<int>().ShouldBe(2);

        var skipped = await client.GetJobAsync(done["jobs"]![2]!["id"]!.GetValue<string>());
        skipped["error"]!["code"]!.GetValue<string>().ShouldBe("DEPENDENCY_FAILED");
        skipped["error"]!["message"]!.GetValue<string>().ShouldContain("job 1");
        skipped["started_at"].ShouldBeNull();
        File.Exists(_server.Physical("/storage/output/batch-skip/c.wav")).ShouldBeFalse();
        (await TestMedia.ProbeAsync(_server.Physical("/storage/output/batch-skip/d.mp3"))).DurationSeconds!.Value.ShouldBe(2, 0.2);

        var listed = await client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/jobs?status=skipped", UriKind.Relative));
        listed!["total"]!.GetValue<int>().ShouldBe(2);
    }

    [Fact]
    public async Task An_atomic_batch_with_errors_creates_nothing_and_names_every_failing_index()
    {
        using var client = await TenantAsync("batch-atomic");
        var body = JobClient.Json(new
        {
            jobs = new object[]
            {
                Convert("/storage/input/short.mp4", "mp3"),
                Convert("/storage/input/missing.mp4", "mp3"),
                new { type = "convert", request = new { input = "/storage/input/short.mp4", output = new { format = "webm", video = new { codec = "prores" } } } },
                Convert("/storage/input/short.mp4", "mp3", new[] { 3 }),
                new { type = "transcode", request = new { } },
                Convert("/storage/input/short.mp4", "/storage/output/batch-atomic/x.mp3"),
                Convert("/storage/input/short.mp4", "/storage/output/batch-atomic/x.mp3"),
            },
        });
        var (status, problem) = await client.PostJsonAsync("/api/v1/batch", body);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var errors = problem!["errors"]!.AsObject().Select(p => p.Key).ToList();
        errors.ShouldContain("jobs[1].request.input");
        errors.ShouldContain(e => e.StartsWith("jobs[2].request.output", StringComparison.Ordinal));
        errors.ShouldContain("jobs[3].depends_on[0]");
        errors.ShouldContain("jobs[4].type");
        errors.ShouldContain("jobs[6].request.output");
        errors.ShouldNotContain(e => e.StartsWith("jobs[0]", StringComparison.Ordinal) || e.StartsWith("jobs[5]", StringComparison.Ordinal));
        (await RowsAsync("batch-atomic")).ShouldBe((0, 0));

        // Top-level mistakes.
        (await client.PostJsonAsync("/api/v1/batch", """{"mode":"some","jobs":[]}""")).Body!["errors"]!.AsObject().Select(p => p.Key).ShouldBe(["mode", "jobs"], ignoreOrder: true);
        var tooMany = JobClient.Json(new { jobs = Enumerable.Range(0, 101).Select(_ => Convert("/storage/input/short.mp4", "mp3")) });
        (await client.PostJsonAsync("/api/v1/batch", tooMany)).Body!["errors"]!["jobs"].ShouldNotBeNull();
        (await client.PostJsonAsync("/api/v1/batch", """{"jobs":[{"type":"convert","request":{"input":"/storage/input/short.mp4","output":"mp3"},"after":1}]}""")).Body!["errors"]!["jobs[0].after"].ShouldNotBeNull();
    }

    [Fact]
    public async Task A_partial_batch_creates_the_valid_jobs_and_lists_the_rejected_ones()
    {
        using var client = await TenantAsync("batch-partial");
        var body = JobClient.Json(new
        {
            mode = "partial",
            jobs = new[]
            {
                Convert("/storage/input/short.mp4", "/storage/output/batch-partial/a.mp3"),
                Convert("/storage/input/missing.mp4", "mp3"),
                Convert("/storage/input/short.mp4", "mp3", new[] { 1 }),
                Convert("/storage/output/batch-partial/a.mp3", "/storage/output/batch-partial/b.wav", new[] { 0 }),
            },
        });
        var (status, created) = await client.PostJsonAsync("/api/v1/batch", body);
        status.ShouldBe(HttpStatusCode.Accepted, created?.ToJsonString());
        var rejected = created!["rejected"]!.AsArray();
        rejected.Select(r => r!["index"]!.GetValue<int>()).ShouldBe([1, 2]);
        rejected[1]!["errors"]!["jobs[2].depends_on[0]"].ShouldNotBeNull();
        var batch = created["batch"]!;
        batch["mode"]!.GetValue<string>().ShouldBe("partial");
        batch["jobs"]!.AsArray().Select(j => j!["batch"]!["index"]!.GetValue<int>()).ShouldBe([0, 3]);

        var done = await WaitForBatchAsync(client, batch["id"]!.GetValue<string>());
        done["counts"]!["completed"]!.GetValue<int>().ShouldBe(2);
        (await TestMedia.ProbeAsync(_server.Physical("/storage/output/batch-partial/b.wav"))).DurationSeconds!.Value.ShouldBe(2, 0.2);
        (await RowsAsync("batch-partial")).ShouldBe((2, 1));

        // Nothing valid at all: 422, nothing stored.
        var (none, problem) = await client.PostJsonAsync("/api/v1/batch", JobClient.Json(new { mode = "partial", jobs = new[] { Convert("/storage/input/missing.mp4", "mp3") } }));
        none.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!["jobs[0].request.input"].ShouldNotBeNull();
        (await RowsAsync("batch-partial")).ShouldBe((2, 1));
    }

    [Fact]
    public async Task Cancelling_a_batch_stops_the_running_job_and_cancels_the_waiting_ones()
    {
        using var client = await TenantAsync("batch-cancel");
        var body = JobClient.Json(new
        {
            jobs = new object[]
            {
                new { type = "convert", request = new { input = "/storage/input/long.mp4", output = new { path = "/storage/output/batch-cancel/a.mp4", video = new { preset = "veryslow" } } } },
                Convert("/storage/output/batch-cancel/a.mp4", "/storage/output/batch-cancel/b.mp3", new[] { 0 }),
                Convert("/storage/output/batch-cancel/b.mp3", "/storage/output/batch-cancel/c.wav", new[] { 1 }),
            },
        });
        var (_, created) = await client.PostJsonAsync("/api/v1/batch", body);
        var id = created!["batch"]!["id"]!.GetValue<string>();
        var first = created["batch"]!["jobs"]![0]!["id"]!.GetValue<string>();
        await client.WaitForAsync(first, TimeSpan.FromSeconds(60), "processing");

        using var other = await TenantAsync("batch-cancel-other");
        (await other.GetAsync(new Uri($"/api/v1/batch/{id}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.DeleteAsync(new Uri($"/api/v1/batch/{id}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var cancel = await client.DeleteAsync(new Uri($"/api/v1/batch/{id}", UriKind.Relative));
        cancel.StatusCode.ShouldBe(HttpStatusCode.OK);
        var done = await WaitForBatchAsync(client, id, 60);
        Enumerable.Range(0, 3).Select(i => Status(done, i)).ShouldBe(["cancelled", "cancelled", "cancelled"]);
        File.Exists(_server.Physical("/storage/output/batch-cancel/a.mp4")).ShouldBeFalse();
        (await client.DeleteAsync(new Uri($"/api/v1/batch/{id}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await client.GetAsync(new Uri("/api/v1/batch/nope", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_idempotent_batch_submit_creates_one_batch()
    {
        using var client = await TenantAsync("batch-idem");
        var key = Guid.NewGuid().ToString();
        var body = JobClient.Json(new { jobs = new[] { Convert("/storage/input/short.mp4", "mp3") } });
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/batch", UriKind.Relative)) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await client.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["batch"]!["id"]!.GetValue<string>();
        }));
        answers.Distinct().Count().ShouldBe(1);
        (await RowsAsync("batch-idem")).ShouldBe((1, 1));
    }
}
