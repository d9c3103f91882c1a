using System.Diagnostics.Metrics;
using FfmpegApi.Core.Batches;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Queue;
using FfmpegApi.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FfmpegApi.Tests;

/// <summary>
/// Claiming for several slots at once and recording several completions at once (what a worker does under load), on
/// SQLite and, under <c>make test</c>, PostgreSQL: the same order, limits, routing, history and events as one at a time.
/// </summary>
public sealed class BatchClaimTests : IAsyncLifetime
{
    private const string Webhook = """{"input":"/in.mp4","output":{"path":"/out.mp4","format":"mp4"},"operations":[],"webhook":{"url":"http://127.0.0.1:9/hook","events":["started","complete"]}}""";
    private Infrastructure.QueueHarness _q = null!;

    public async ValueTask InitializeAsync() => _q = await Infrastructure.QueueHarness.StartAsync(new Dictionary<string, string?>());

    public ValueTask DisposeAsync() => _q.DisposeAsync();

    [Fact]
    public async Task A_batch_keeps_priority_first_and_takes_turns_between_tenants()
    {
        var big = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            big.Add(await AddAsync("big", priority: 1, ageSeconds: 100 - i));
        }

        var small1 = await AddAsync("small", priority: 1, ageSeconds: 10);
        var small2 = await AddAsync("small", priority: 1, ageSeconds: 5);
        var urgent = await AddAsync("third", priority: 2, ageSeconds: 1);
        string[] owners = ["w/0", "w/1", "w/2", "w/3", "w/4"];

        var first = await ClaimAsync(owners);

        // Priority first; then round-robin: each tenant's oldest job, then each tenant's second.
        first.Select(j => j.Id).ShouldBe([urgent, big[0], small1, big[1], small2], ignoreOrder: true);
        first.Select(j => j.LeaseOwner).ShouldBe(owners, ignoreOrder: true);
        first.ShouldAllBe(j => j.Status == JobStatus.Running && j.Attempts == 1 && j.Stage == "starting" && j.LeaseExpiresAt > j.StartedAt);

        var second = await ClaimAsync(owners);
        second.Select(j => j.Id).ShouldBe(big[2..], ignoreOrder: true);
        (await ClaimAsync(owners)).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_tenant_limit_holds_inside_a_batch_across_priorities()
    {
        await _q.DisposeAsync();
        _q = await Infrastructure.QueueHarness.StartAsync(new Dictionary<string, string?> { ["Worker:TenantConcurrency"] = "2" });
        var urgent = await AddAsync("a", priority: 2, ageSeconds: 1);
        var oldest = await AddAsync("a", priority: 1, ageSeconds: 50);
        await AddAsync("a", priority: 1, ageSeconds: 40);
        await AddAsync("a", priority: 1, ageSeconds: 30);
        var other = await AddAsync("b", priority: 1, ageSeconds: 20);
        var owners = Enumerable.Range(0, 8).Select(i => $"w/{i}").ToArray();

        var claimed = await ClaimAsync(owners);

        // Worker:TenantConcurrency = 2: tenant a gets its two first jobs in its own order, b its one.
        claimed.Select(j => j.Id).ShouldBe([urgent, oldest, other], ignoreOrder: true);
        (await RunningCountAsync("a")).ShouldBe(2);
        (await RunningCountAsync("b")).ShouldBe(1);
        (await ClaimAsync(owners)).ShouldBeEmpty();

        var done = claimed.Single(j => j.Id == oldest);
        var results = await _q.Queue(q => q.CompleteManyAsync([Completion(done)], CancellationToken.None));
        results.ShouldBe([TransitionResult.Applied]);
        (await RunningCountAsync("a")).ShouldBe(1);
        (await ClaimAsync(owners)).Select(j => j.TenantId).ShouldBe(["a"]);
    }

    [Fact]
    public async Task A_batch_takes_only_jobs_the_worker_can_run()
    {
        var plain = await AddAsync("t", priority: 1, ageSeconds: 5);
        var vmaf = await AddAsync("t", priority: 2, ageSeconds: 1, requires: WorkerCapability.Vmaf);

        (await ClaimAsync(["w/0", "w/1"], WorkerCapability.None)).Select(j => j.Id).ShouldBe([plain]);
        (await ClaimAsync(["w/0", "w/1"], WorkerCapability.Vmaf)).Select(j => j.Id).ShouldBe([vmaf]);
    }

    [Fact]
    public async Task Concurrent_batch_claimers_never_get_the_same_job()
    {
        var ids = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            ids.Add(await AddAsync($"t{i % 3}", priority: 1, ageSeconds: i));
        }

        var claimed = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            string[] owners = [$"w{w}/0", $"w{w}/1", $"w{w}/2"];
            while (await ClaimAsync(owners) is { Count: > 0 } jobs)
            {
                foreach (var job in jobs)
                {
                    claimed.Add(job.Id);
                }
            }
        })));

        claimed.Count.ShouldBe(30);
        claimed.Distinct().Count().ShouldBe(30);
        claimed.ShouldBe(ids, ignoreOrder: true);
    }

    [Fact]
    public async Task A_group_of_completions_ends_only_runs_still_leased_and_records_history_and_events()
    {
        await _q.Db(async db =>
        {
            var now = TimeProvider.System.GetUtcNow().UtcDateTime;
            db.WebhookSubscriptions.Add(new WebhookSubscription { Id = "sub_1", TenantId = "hooked", Url = "http://127.0.0.1:9/s", Events = "job.started job.completed", SecretProtected = "x", CreatedAt = now, UpdatedAt = now });
            return await db.SaveChangesAsync();
        });
        var hooked = await AddAsync("hooked", priority: 1, ageSeconds: 30);
        var own = await AddAsync("plain", priority: 1, ageSeconds: 20, spec: Webhook);
        var stolen = await AddAsync("plain", priority: 1, ageSeconds: 10);
        var claimed = await ClaimAsync(["w/0", "w/1", "w/2"]);
        claimed.Count.ShouldBe(3);
        (await EventsAsync(WebhookEventTypes.JobStarted)).ShouldBe([(hooked, "standard"), (own, "rendiff")], ignoreOrder: true);

        // Another worker took one of the jobs meanwhile (its lease expired): that completion must not apply.
        await _q.Db(db => db.Jobs.Where(j => j.Id == stolen).ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseOwner, "other/0")));
        var completions = claimed.OrderBy(j => j.CreatedAt).Select(Completion).ToList();
        var results = await _q.Queue(q => q.CompleteManyAsync(completions, CancellationToken.None));

        results.ShouldBe([TransitionResult.Applied, TransitionResult.Applied, TransitionResult.NotInExpectedState]);
        foreach (var id in new[] { hooked, own })
        {
            var job = await _q.LoadAsync(id);
            job.Status.ShouldBe(JobStatus.Completed);
            job.Progress.ShouldBe(100);
            job.LeaseOwner.ShouldBeNull();
            job.OutputJson.ShouldBe($$"""{"id":"{{id}}"}""");
            job.Log.ShouldBe($"log of {id}");
            job.Fps.ShouldBe(30);
        }

        (await _q.LoadAsync(stolen)).Status.ShouldBe(JobStatus.Running);
        var attempts = await _q.Db(db => db.JobAttempts.AsNoTracking().ToListAsync());
        attempts.Select(a => (a.JobId, a.Number, a.Outcome)).ShouldBe([(hooked, 1, AttemptOutcomes.Completed), (own, 1, AttemptOutcomes.Completed)], ignoreOrder: true);
        attempts.ShouldAllBe(a => a.WorkerId != null && a.WorkerId.StartsWith("w/", StringComparison.Ordinal) && a.StartedAt != null);
        (await EventsAsync(WebhookEventTypes.JobCompleted)).ShouldBe([(hooked, "standard"), (own, "rendiff")], ignoreOrder: true);

        // Without Worker:TenantConcurrency nobody reads the running counts, so claims and completions leave them alone;
        // the reconciliation (run at once by a process started with a limit) counts the jobs still running.
        (await RunningCountAsync("hooked")).ShouldBe(0);
        (await RunningCountAsync("plain")).ShouldBe(0);
        (await _q.Queue(q => q.ReconcileTenantCountsAsync(CancellationToken.None))).ShouldBe(1);
        (await RunningCountAsync("plain")).ShouldBe(1);
    }

    [Fact]
    public async Task A_group_ending_both_dependencies_of_a_batch_job_queues_it_once()
    {
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        await _q.Db(async db =>
        {
            db.Batches.Add(new Core.Batches.Batch { Id = "b1", TenantId = "t", ApiKeyId = "k", Mode = Core.Batches.Batch.Partial, JobCount = 3, CreatedAt = now, UpdatedAt = now });
            return await db.SaveChangesAsync();
        });
        var first = await AddAsync("t", priority: 1, ageSeconds: 30, batch: ("b1", 0, null));
        var second = await AddAsync("t", priority: 1, ageSeconds: 20, batch: ("b1", 1, null));
        var last = await AddAsync("t", priority: 1, ageSeconds: 10, batch: ("b1", 2, $"{first} {second}"));

        var claimed = await ClaimAsync(["w/0", "w/1", "w/2"]);
        claimed.Select(j => j.Id).ShouldBe([first, second], ignoreOrder: true);
        (await _q.Queue(q => q.CompleteManyAsync([.. claimed.Select(Completion)], CancellationToken.None))).ShouldBe([TransitionResult.Applied, TransitionResult.Applied]);

        (await _q.LoadAsync(last)).Status.ShouldBe(JobStatus.Queued);
        var next = await ClaimAsync(["w/0"]);
        next.Select(j => j.Id).ShouldBe([last]);
        (await _q.Queue(q => q.CompleteManyAsync([Completion(next[0])], CancellationToken.None))).ShouldBe([TransitionResult.Applied]);
        (await _q.Db(db => db.Batches.AsNoTracking().SingleAsync(b => b.Id == "b1"))).CompletedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task The_committer_groups_concurrent_completions_and_answers_each()
    {
        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add(await AddAsync("t", priority: 1, ageSeconds: i));
        }

        var claimed = new List<Job>();
        while (await ClaimAsync(Enumerable.Range(0, 12).Select(i => $"w/{i}").ToArray()) is { Count: > 0 } batch)
        {
            claimed.AddRange(batch);
        }

        var groups = new List<int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "ffmpegapi.queue.completion_group")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, size, _, _) =>
        {
            lock (groups)
            {
                groups.Add(size);
            }
        });
        listener.Start();

        var committer = _q.Services.GetRequiredService<CompletionCommitter>();
        var results = await Task.WhenAll(claimed.Select(job => committer.CompleteAsync(Completion(job))));

        results.ShouldAllBe(r => r == TransitionResult.Applied);
        (await _q.Db(db => db.Jobs.CountAsync(j => j.Status == JobStatus.Completed))).ShouldBe(12);
        groups.Sum().ShouldBe(12);
        groups.Max().ShouldBeGreaterThan(1);
    }

    [Fact]
    public async Task One_bad_completion_does_not_fail_the_others_in_its_group()
    {
        Assert.SkipUnless(Infrastructure.TestDatabase.IsPostgres, "needs PostgreSQL, whose text cannot hold a NUL character (SQLite's can)");
        for (var i = 0; i < 4; i++)
        {
            await AddAsync("t", priority: 1, ageSeconds: i);
        }

        var claimed = await ClaimAsync(["w/0", "w/1", "w/2", "w/3"]);
        var committer = _q.Services.GetRequiredService<CompletionCommitter>();
        var tasks = claimed.Select((job, i) => committer.CompleteAsync(Completion(job) with { Log = i == 1 ? "bad\0log" : "ok" })).ToList();

        await Should.ThrowAsync<Exception>(() => tasks[1]);
        foreach (var i in new[] { 0, 2, 3 })
        {
            (await tasks[i]).ShouldBe(TransitionResult.Applied);
        }

        (await _q.LoadAsync(claimed[1].Id)).Status.ShouldBe(JobStatus.Running);
        (await _q.Db(db => db.Jobs.CountAsync(j => j.Status == JobStatus.Completed))).ShouldBe(3);
    }

    private static Completion Completion(Job job) =>
        new(job.Id, job.LeaseOwner!, new JobProgress("completed", 100, 30, 1.5, 0, null, null, null), $$"""{"id":"{{job.Id}}"}""", null, $"log of {job.Id}");

    private Task<IReadOnlyList<Job>> ClaimAsync(string[] owners, WorkerCapability capabilities = WorkerCapability.None) =>
        _q.Queue(q => q.ClaimManyAsync(owners, capabilities, CancellationToken.None));

    private Task<int> RunningCountAsync(string tenant) =>
        _q.Db(db => db.TenantSchedules.Where(t => t.TenantId == tenant).Select(t => t.Running).SingleAsync());

    private async Task<List<(string JobId, string Format)>> EventsAsync(string type) =>
        [.. (await _q.Db(db => db.WebhookDeliveries.AsNoTracking().Where(d => d.EventType == type).ToListAsync())).Select(d => (d.JobId!, d.Format))];

    private Task<string> AddAsync(string tenant, int priority, int ageSeconds, WorkerCapability requires = WorkerCapability.None, string spec = "{}", (string Id, int Index, string? DependsOn)? batch = null) =>
        _q.AddAsync(new Infrastructure.TestJob(tenant, priority, ageSeconds) { Requires = requires, Spec = spec, Batch = batch });
}
