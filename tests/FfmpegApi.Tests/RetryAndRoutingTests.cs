using FfmpegApi.Core;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FfmpegApi.Tests;

/// <summary>
/// Retries with backoff and the dead state, the attempt history, the per-tenant running limit inside the claim and
/// routing by worker capability, on a real SQLite file (or PostgreSQL database with <c>make test</c>).
/// </summary>
public sealed class RetryAndRoutingTests : IAsyncLifetime
{
    private const int TenantLimit = 2;
    // Backoffs and leases run out when the test moves this clock, not after a wait.
    private readonly FakeTimeProvider _clock = Infrastructure.TestClock.AtCurrentSecond();
    private Infrastructure.QueueHarness _q = null!;

    public async ValueTask InitializeAsync() => _q = await Infrastructure.QueueHarness.StartAsync(
        new Dictionary<string, string?>
        {
            ["Worker:LeaseSeconds"] = "2",
            ["Worker:RetryBaseSeconds"] = "2",
            ["Worker:TenantConcurrency"] = TenantLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
        clock: _clock);

    public ValueTask DisposeAsync() => _q.DisposeAsync();

    [Fact]
    public async Task A_transient_failure_waits_out_its_backoff_then_the_job_dies_after_its_last_attempt()
    {
        var id = await AddAsync(maxAttempts: 2);
        (await Queue(q => q.ClaimAsync("w/0", CancellationToken.None)))!.Id.ShouldBe(id);
        var failedAt = Now;
        (await Queue(q => q.FailTransientlyAsync(id, "w/0", "STORAGE_ERROR", "disk full", "log", CancellationToken.None))).ShouldBe(JobStatus.Queued);

        var waiting = await LoadAsync(id);
        waiting.Status.ShouldBe(JobStatus.Queued);
        waiting.Stage.ShouldBe("retry_scheduled");
        waiting.ErrorCode.ShouldBe("STORAGE_ERROR");
        waiting.RunAfter.ShouldNotBeNull();

        // Base 2 s with equal jitter: between 1 and 2 s after the failure.
        (waiting.RunAfter.Value - failedAt).TotalSeconds.ShouldBeInRange(0.9, 2.1);
        (await Queue(q => q.ClaimAsync("w/1", CancellationToken.None))).ShouldBeNull();

        var second = await ClaimAfterBackoffAsync(id, "w/1");
        second.Id.ShouldBe(id);
        second.Attempts.ShouldBe(2);
        second.RunAfter.ShouldBeNull();
        Now.ShouldBeGreaterThanOrEqualTo(waiting.RunAfter.Value.AddMilliseconds(-50));

        (await Queue(q => q.FailTransientlyAsync(id, "w/1", "STORAGE_ERROR", "disk full", "log", CancellationToken.None))).ShouldBe(JobStatus.Dead);
        var dead = await LoadAsync(id);
        dead.Status.ShouldBe(JobStatus.Dead);
        dead.CompletedAt.ShouldNotBeNull();
        dead.ErrorMessage.ShouldBe("disk full (gave up after 2 attempts)");
        JobStateMachine.IsTerminal(dead.Status).ShouldBeTrue();
        JobStateMachine.ToWire(dead.Status).ShouldBe("dead");

        var history = await AttemptsAsync(id);
        history.Select(a => (a.Number, a.Outcome, a.WorkerId)).ShouldBe([(1, "retried", "w/0"), (2, "dead", "w/1")]);
        history[0].RetryAt.ShouldBe(waiting.RunAfter);
        history[0].ErrorCode.ShouldBe("STORAGE_ERROR");
        history.ShouldAllBe(a => a.StartedAt != null && a.EndedAt >= a.StartedAt);
        (await RunningOfAsync("t")).ShouldBe(0);
    }

    [Fact]
    public async Task A_retry_that_succeeds_keeps_the_failed_attempt_in_history_and_clears_the_error()
    {
        var id = await AddAsync();
        await Queue(q => q.ClaimAsync("w/0", CancellationToken.None));
        await Queue(q => q.FailTransientlyAsync(id, "w/0", "STALLED", "no progress", "log", CancellationToken.None));
        var job = await ClaimAfterBackoffAsync(id, "w/1");
        (await Queue(q => q.CompleteAsync(job.Id, "w/1", new JobProgress("done", 100, null, null, null, null, null, null), "{}", null, "log", CancellationToken.None))).ShouldBe(TransitionResult.Applied);

        var row = await LoadAsync(id);
        row.Status.ShouldBe(JobStatus.Completed);
        row.ErrorCode.ShouldBeNull();
        (await AttemptsAsync(id)).Select(a => (a.Number, a.Outcome)).ShouldBe([(1, "retried"), (2, "completed")]);
    }

    [Fact]
    public async Task Deterministic_failures_cancels_hand_backs_and_lost_leases_are_recorded_as_attempts()
    {
        var failing = await AddAsync(ageSeconds: 30);
        var released = await AddAsync(ageSeconds: 20, tenant: "u");
        var lost = await AddAsync(ageSeconds: 10, tenant: "v");
        (await Queue(q => q.ClaimAsync("w/0", CancellationToken.None)))!.Id.ShouldBe(failing);
        (await Queue(q => q.ClaimAsync("w/1", CancellationToken.None)))!.Id.ShouldBe(released);
        (await Queue(q => q.ClaimAsync("gone/0", CancellationToken.None)))!.Id.ShouldBe(lost);

        await Queue(q => q.EndAsync(failing, "w/0", JobStatus.Failed, "FFMPEG_FAILED", "bad media", "log", CancellationToken.None));
        await Queue(q => q.ReleaseAsync(released, "w/1", CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(2.2));
        (await Queue(q => q.ReapAsync(null, CancellationToken.None))).ShouldBe(1);

        (await AttemptsAsync(failing)).Select(a => (a.Number, a.Outcome, a.ErrorCode)).ShouldBe([(1, "failed", "FFMPEG_FAILED")]);
        (await LoadAsync(failing)).Status.ShouldBe(JobStatus.Failed);

        // A hand-back does not use up the attempt: the next run has the same number.
        (await AttemptsAsync(released)).Select(a => (a.Number, a.Outcome)).ShouldBe([(1, "released")]);
        var again = await LoadAsync(released);
        again.Status.ShouldBe(JobStatus.Queued);
        again.Attempts.ShouldBe(0);

        var reaped = await LoadAsync(lost);
        reaped.Status.ShouldBe(JobStatus.Queued);
        reaped.RunAfter.ShouldNotBeNull();
        var lostAttempt = (await AttemptsAsync(lost)).ShouldHaveSingleItem();
        (lostAttempt.Outcome, lostAttempt.WorkerId, lostAttempt.ErrorCode).ShouldBe(("lost", "gone/0", "WORKER_LOST"));
        lostAttempt.RetryAt.ShouldBe(reaped.RunAfter);
    }

    [Fact]
    public async Task A_tenant_never_runs_more_than_its_limit_and_a_freed_slot_lets_the_next_job_in()
    {
        var busy = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            busy.Add(await AddAsync(ageSeconds: 50 - i, tenant: "busy"));
        }

        var other = await AddAsync(ageSeconds: 1, tenant: "other");
        var claimed = new List<string>();
        while (await Queue(q => q.ClaimAsync("w/0", CancellationToken.None)) is { } job)
        {
            claimed.Add(job.Id);
        }

        // Two of the busy tenant (its limit; turns alternate with the other tenant) and the other tenant's job.
        claimed.ShouldBe([busy[0], other, busy[1]]);
        (await RunningOfAsync("busy")).ShouldBe(TenantLimit);

        await Queue(q => q.CompleteAsync(busy[0], "w/0", new JobProgress("done", 100, null, null, null, null, null, null), "{}", null, "log", CancellationToken.None));
        (await RunningOfAsync("busy")).ShouldBe(1);
        (await Queue(q => q.ClaimAsync("w/0", CancellationToken.None)))!.Id.ShouldBe(busy[2]);
        (await RunningOfAsync("busy")).ShouldBe(TenantLimit);
        (await Queue(q => q.ClaimAsync("w/0", CancellationToken.None))).ShouldBeNull();
    }

    [Fact]
    public async Task Concurrent_claimers_cannot_push_a_tenant_past_its_limit()
    {
        for (var i = 0; i < 12; i++)
        {
            await AddAsync(ageSeconds: 60 - i, tenant: "crowd");
        }

        var claimed = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            while (await Queue(q => q.ClaimAsync($"w/{w}", CancellationToken.None)) is { } job)
            {
                claimed.Add(job.Id);
            }
        })));

        claimed.Count.ShouldBe(TenantLimit);
        (await RunningOfAsync("crowd")).ShouldBe(TenantLimit);
    }

    [Fact]
    public async Task The_reaper_reconciles_a_tenant_count_that_drifted()
    {
        await AddAsync(tenant: "drift");
        await Queue(q => q.ClaimAsync("w/0", CancellationToken.None));
        await _q.Db(db => db.TenantSchedules.Where(t => t.TenantId == "drift").ExecuteUpdateAsync(s => s.SetProperty(t => t.Running, 7)));

        (await Queue(q => q.ReconcileTenantCountsAsync(CancellationToken.None))).ShouldBe(1);
        (await RunningOfAsync("drift")).ShouldBe(1);
        (await Queue(q => q.ReconcileTenantCountsAsync(CancellationToken.None))).ShouldBe(0);
    }

    [Fact]
    public async Task Jobs_that_need_a_capability_go_only_to_workers_that_have_it()
    {
        var vmaf = await AddAsync(ageSeconds: 20, requires: WorkerCapability.Vmaf);
        var plain = await AddAsync(ageSeconds: 10, tenant: "u");

        (await Queue(q => q.ClaimAsync("plain/0", WorkerCapability.None, CancellationToken.None)))!.Id.ShouldBe(plain);
        (await Queue(q => q.ClaimAsync("plain/0", WorkerCapability.None, CancellationToken.None))).ShouldBeNull();
        (await Queue(q => q.ClaimAsync("vmaf/0", WorkerCapability.Vmaf, CancellationToken.None)))!.Id.ShouldBe(vmaf);
    }

    [Fact]
    public async Task Jobs_naming_a_gpu_vendor_go_only_to_workers_offering_it()
    {
        var spec = new Media.Specs.ConvertSpec("/in.mp4", new Media.Specs.OutputSpec("/o.mp4", "mp4", new Media.Specs.VideoSpec("h264"), null), [])
        {
            Hardware = new Media.Hardware.HardwareRequest(Media.Hardware.HardwareMode.Nvidia),
        };
        JobRequirements.Needs(spec).ShouldBe(WorkerCapability.Nvidia);
        JobRequirements.Needs(spec with { Hardware = new Media.Hardware.HardwareRequest(Media.Hardware.HardwareMode.Auto) }).ShouldBe(WorkerCapability.None);
        var gpu = await AddAsync(requires: JobRequirements.Needs(spec));

        // A worker without the GPU, or one whose NVIDIA sessions are all taken (the flag left out of its claim), passes it by.
        (await Queue(q => q.ClaimAsync("cpu/0", WorkerCapability.Vmaf | WorkerCapability.Vaapi, CancellationToken.None))).ShouldBeNull();
        (await Queue(q => q.ClaimAsync("gpu/0", WorkerCapability.Nvidia, CancellationToken.None)))!.Id.ShouldBe(gpu);
        JobRequirements.Names(WorkerCapability.Vmaf | WorkerCapability.Nvidia).ShouldBe(["vmaf", "nvidia"]);
    }

    [Fact]
    public async Task The_cluster_offers_what_its_live_workers_have_even_when_this_process_lacks_it()
    {
        var tools = new FfmpegTools(Options.Create(new FfmpegOptions { VmafFfmpegPath = "/nonexistent/ffmpeg" }));
        var workerOptions = _q.Services.GetRequiredService<IOptions<WorkerOptions>>();
        using var hardware = new Core.Processing.Hardware.HardwareService(
            tools,
            Options.Create(new Core.Processing.Hardware.HardwareOptions { DeviceRoot = Directory.CreateTempSubdirectory("fa-nodev-").FullName }),
            Options.Create(new StorageOptions { DataDir = Path.GetTempPath() }),
            _q.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Core.Processing.Hardware.HardwareService>.Instance);
        ClusterCapabilities Fresh() => new(_q.Services.GetRequiredService<IServiceScopeFactory>(), hardware, _clock, workerOptions);
        (await Fresh().AvailableAsync(TestContext.Current.CancellationToken)).ShouldBe(WorkerCapability.None);

        await _q.Db(db =>
        {
            db.Workers.Add(new WorkerRecord { Id = "stale", Host = "h", Version = "1", CapabilitiesJson = "{}", Provides = (int)WorkerCapability.Vmaf, StartedAt = Now.AddHours(-1), HeartbeatAt = Now.AddMinutes(-10) });
            return db.SaveChangesAsync(TestContext.Current.CancellationToken);
        });

        (await Fresh().AvailableAsync(TestContext.Current.CancellationToken)).ShouldBe(WorkerCapability.None, "a worker silent for 3 heartbeats does not count");
        await _q.Db(db =>
        {
            db.Workers.Add(new WorkerRecord { Id = "alive", Host = "h", Version = "1", CapabilitiesJson = "{}", Provides = (int)(WorkerCapability.Vmaf | WorkerCapability.Nvidia), StartedAt = Now, HeartbeatAt = Now });
            return db.SaveChangesAsync(TestContext.Current.CancellationToken);
        });

        (await Fresh().AvailableAsync(TestContext.Current.CancellationToken)).ShouldBe(WorkerCapability.Vmaf | WorkerCapability.Nvidia);

        // A GPU worker elsewhere makes nvidia jobs acceptable here; Intel is still refused with this machine's reason.
        var check = await Fresh().HardwareCheckAsync(TestContext.Current.CancellationToken);
        check(Media.Hardware.HardwareVendor.Nvidia).ShouldBeNull();
        check(Media.Hardware.HardwareVendor.Intel)!.ShouldContain("no worker has Intel Quick Sync hardware");
    }

    [Theory]
    [InlineData(1, 0.0, 5)]
    [InlineData(1, 1.0, 10)]
    [InlineData(4, 0.5, 60)]
    [InlineData(12, 1.0, 600)]
    public void Backoff_doubles_per_attempt_with_half_of_it_random_and_a_ceiling(int attemptsUsed, double random, double expectedSeconds)
    {
        var options = Options.Create(new WorkerOptions { RetryBaseSeconds = 10, RetryMaxSeconds = 600 });
        new RetryPolicy(options, () => random).Delay(attemptsUsed).TotalSeconds.ShouldBe(expectedSeconds, 1e-9);
    }

    [Fact]
    public void Job_requirements_come_from_the_spec()
    {
        var analysis = new Media.Specs.AnalyzeSpec("/storage/a.mp4", new("/storage/r.json", "json", null, null), new("/storage/b.mp4", ["psnr", "vmaf"]));
        JobRequirements.Needs(analysis).ShouldBe(WorkerCapability.Vmaf);
        JobRequirements.Needs(analysis with { Analysis = new("/storage/b.mp4", ["psnr"]) }).ShouldBe(WorkerCapability.None);
        JobRequirements.Names(WorkerCapability.Vmaf).ShouldBe(["vmaf"]);
    }

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    /// <summary>Moves the clock to just before the job's backoff ends (nothing to claim), then to its end (claimed).</summary>
    private async Task<Job> ClaimAfterBackoffAsync(string id, string workerId)
    {
        var runAfter = (await LoadAsync(id)).RunAfter.ShouldNotBeNull();
        _clock.Advance(runAfter - Now - TimeSpan.FromMilliseconds(10));
        (await Queue(q => q.ClaimAsync(workerId, CancellationToken.None))).ShouldBeNull("the backoff has 10 ms left");
        _clock.Advance(TimeSpan.FromMilliseconds(10));
        return (await Queue(q => q.ClaimAsync(workerId, CancellationToken.None))).ShouldNotBeNull("the backoff is over");
    }

    private Task<string> AddAsync(int ageSeconds = 0, string tenant = "t", int maxAttempts = 3, WorkerCapability requires = WorkerCapability.None) =>
        _q.AddAsync(new Infrastructure.TestJob(tenant, 1, ageSeconds) { MaxAttempts = maxAttempts, Requires = requires });

    private Task<T> Queue<T>(Func<IJobQueue, Task<T>> action) => _q.Queue(action);

    private Task Queue(Func<IJobQueue, Task> action) => _q.Queue(action);

    private Task<Job> LoadAsync(string id) => _q.LoadAsync(id);

    private Task<List<JobAttempt>> AttemptsAsync(string id) =>
        _q.Db(db => db.JobAttempts.AsNoTracking().Where(a => a.JobId == id).OrderBy(a => a.Id).ToListAsync());

    private Task<int> RunningOfAsync(string tenant) =>
        _q.Db(db => db.TenantSchedules.Where(t => t.TenantId == tenant).Select(t => t.Running).SingleAsync());
}
