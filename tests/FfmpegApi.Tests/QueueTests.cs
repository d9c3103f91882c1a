using FfmpegApi.Core;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace FfmpegApi.Tests;

/// <summary>The jobs table as a queue, on a real SQLite file (or PostgreSQL database): ordering, exclusive claims, leases, reaping.</summary>
public sealed class QueueTests : IAsyncLifetime
{
    // Leases expire when the test moves this clock, not after a wait.
    private readonly FakeTimeProvider _clock = Infrastructure.TestClock.AtCurrentSecond();
    private Infrastructure.QueueHarness _q = null!;

    public async ValueTask InitializeAsync() => _q = await Infrastructure.QueueHarness.StartAsync(
        new Dictionary<string, string?>
        {
            ["Worker:LeaseSeconds"] = "2",
            ["Worker:RetryBaseSeconds"] = "0",
        },
        clock: _clock);

    public ValueTask DisposeAsync() => _q.DisposeAsync();

    [Fact]
    public async Task Claims_by_priority_then_age()
    {
        var low = await AddAsync(priority: 0, ageSeconds: 30);
        var normalOld = await AddAsync(priority: 1, ageSeconds: 20);
        var high = await AddAsync(priority: 2, ageSeconds: 1);
        var normalNew = await AddAsync(priority: 1, ageSeconds: 10);

        var order = new List<string>();
        while (await WithQueue(q => q.ClaimAsync("w/0", CancellationToken.None)) is { } job)
        {
            order.Add(job.Id);
            job.Status.ShouldBe(JobStatus.Running);
            job.Attempts.ShouldBe(1);
            job.LeaseOwner.ShouldBe("w/0");
        }

        order.ShouldBe([high, normalOld, normalNew, low]);
    }

    [Fact]
    public async Task Tenants_take_turns_so_a_big_backlog_does_not_starve_a_small_one()
    {
        for (var i = 0; i < 6; i++)
        {
            await AddAsync(priority: 1, ageSeconds: 100 - i, tenant: "big");
        }

        await AddAsync(priority: 1, ageSeconds: 10, tenant: "small");
        await AddAsync(priority: 1, ageSeconds: 5, tenant: "small");
        var urgent = await AddAsync(priority: 2, ageSeconds: 1, tenant: "big");

        var order = new List<string>();
        while (await WithQueue(q => q.ClaimAsync("w/0", CancellationToken.None)) is { } job)
        {
            order.Add(job.Id == urgent ? "urgent" : job.TenantId);
            _clock.Advance(TimeSpan.FromMilliseconds(1)); // "served least recently" needs claims at distinct times
        }

        // Priority still comes first; then the tenant served least recently; then age.
        order.ShouldBe(["urgent", "small", "big", "small", "big", "big", "big", "big", "big"]);
    }

    [Fact]
    public async Task Concurrent_claimers_never_get_the_same_job()
    {
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await AddAsync(priority: 1, ageSeconds: i));
        }

        var claimed = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            while (await WithQueue(q => q.ClaimAsync($"w/{w}", CancellationToken.None)) is { } job)
            {
                claimed.Add(job.Id);
            }
        })));

        claimed.Count.ShouldBe(20);
        claimed.Distinct().Count().ShouldBe(20);
        (await CountAsync(JobStatus.Running)).ShouldBe(20);
    }

    [Fact]
    public async Task Only_the_lease_owner_can_end_or_renew_a_run()
    {
        var id = await AddAsync(1, 0);
        var job = (await WithQueue(q => q.ClaimAsync("owner/0", CancellationToken.None)))!;
        job.Id.ShouldBe(id);

        (await WithQueue(q => q.RenewLeaseAsync(id, "intruder/0", CancellationToken.None))).ShouldBeFalse();
        (await WithQueue(q => q.CompleteAsync(id, "intruder/0", new JobProgress("x", 1, null, null, null, null, null, null), "{}", null, "", CancellationToken.None))).ShouldBe(TransitionResult.NotInExpectedState);
        (await WithQueue(q => q.RenewLeaseAsync(id, "owner/0", CancellationToken.None))).ShouldBeTrue();
        (await WithQueue(q => q.EndAsync(id, "owner/0", JobStatus.Failed, "X", "boom", "log", CancellationToken.None))).ShouldBe(TransitionResult.Applied);
        (await WithQueue(q => q.EndAsync(id, "owner/0", JobStatus.Cancelled, null, null, "", CancellationToken.None))).ShouldBe(TransitionResult.NotInExpectedState);
        var row = await LoadAsync(id);
        row.Status.ShouldBe(JobStatus.Failed);
        row.ErrorCode.ShouldBe("X");
        row.LeaseOwner.ShouldBeNull();
        Should.Throw<ArgumentOutOfRangeException>(() => WithQueue(q => q.EndAsync(id, "owner/0", JobStatus.Queued, null, null, "", CancellationToken.None)));
    }

    [Fact]
    public async Task Expired_leases_are_requeued_and_exhausted_jobs_die()
    {
        var retry = await AddAsync(1, 10);
        var exhausted = await AddAsync(1, 5, attempts: 2);
        (await WithQueue(q => q.ClaimAsync("dead/0", CancellationToken.None)))!.Id.ShouldBe(retry);
        (await WithQueue(q => q.ClaimAsync("dead/1", CancellationToken.None)))!.Id.ShouldBe(exhausted);

        _clock.Advance(TimeSpan.FromSeconds(1.9));
        (await WithQueue(q => q.ReapAsync(null, CancellationToken.None))).ShouldBe(0); // leases still valid
        _clock.Advance(TimeSpan.FromSeconds(0.2));
        (await WithQueue(q => q.ReapAsync(null, CancellationToken.None))).ShouldBe(2);

        var requeued = await LoadAsync(retry);
        requeued.Status.ShouldBe(JobStatus.Queued);
        requeued.LeaseOwner.ShouldBeNull();
        var failed = await LoadAsync(exhausted);
        failed.Status.ShouldBe(JobStatus.Dead);
        failed.ErrorCode.ShouldBe("WORKER_LOST");
        (await WithQueue(q => q.ClaimAsync("alive/0", CancellationToken.None)))!.Attempts.ShouldBe(2);
    }

    [Fact]
    public async Task Embedded_start_recovers_jobs_of_other_instances_regardless_of_lease()
    {
        var orphan = await AddAsync(1, 10);
        var mine = await AddAsync(1, 5);
        await WithQueue(q => q.ClaimAsync("old-process/0", CancellationToken.None));
        await WithQueue(q => q.ClaimAsync("this-process/0", CancellationToken.None));

        (await WithQueue(q => q.ReapAsync("this-process", CancellationToken.None))).ShouldBe(1);
        (await LoadAsync(orphan)).Status.ShouldBe(JobStatus.Queued);
        (await LoadAsync(mine)).Status.ShouldBe(JobStatus.Running);
    }

    [Fact]
    public async Task Cancel_of_a_queued_job_is_a_guarded_transition()
    {
        var id = await AddAsync(1, 0);
        (await WithQueue(q => q.CancelQueuedAsync(id, CancellationToken.None))).ShouldBeTrue();
        (await WithQueue(q => q.CancelQueuedAsync(id, CancellationToken.None))).ShouldBeFalse();
        (await WithQueue(q => q.ClaimAsync("w/0", CancellationToken.None))).ShouldBeNull();
        (await LoadAsync(id)).Status.ShouldBe(JobStatus.Cancelled);
    }

    [Theory]
    [InlineData(JobStatus.Queued, JobStatus.Running, true)]
    [InlineData(JobStatus.Queued, JobStatus.Completed, false)]
    [InlineData(JobStatus.Running, JobStatus.Queued, true)]
    [InlineData(JobStatus.Completed, JobStatus.Running, false)]
    [InlineData(JobStatus.Cancelled, JobStatus.Queued, false)]
    public void State_machine_transitions(JobStatus from, JobStatus to, bool legal) =>
        JobStateMachine.CanTransition(from, to).ShouldBe(legal);

    /// <summary>Every row of the state machine against a job in every state (the table is the guards).</summary>
    public static TheoryData<string, JobStatus> RowsAndStates =>
        [.. JobTransition.All.SelectMany(t => Enum.GetValues<JobStatus>().Select(s => (t.Name, s)))];

    [Theory]
    [MemberData(nameof(RowsAndStates))]
    public async Task Each_transition_moves_only_the_states_its_row_allows(string name, JobStatus state)
    {
        var transition = JobTransition.All.Single(t => t.Name == name);
        var id = await AddAsync(1, 0);
        await _q.Db(db => db.Jobs.Where(j => j.Id == id).ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, state)));

        var moved = await _q.Db(db => db.Jobs.Movable(transition).Where(j => j.Id == id).ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, transition.To)));

        var legal = transition.From.Contains(state);
        moved.ShouldBe(legal ? 1 : 0);
        (await LoadAsync(id)).Status.ShouldBe(legal ? transition.To : state);
        JobStateMachine.CanTransition(state, transition.To).ShouldBe(legal || JobTransition.All.Any(t => t.To == transition.To && t.From.Contains(state)));
        JobStateMachine.IsTerminal(state).ShouldBe(!JobTransition.All.Any(t => t.From.Contains(state)), "terminal states are the ones no row leaves");
    }

    [Fact]
    public async Task A_run_is_ended_only_by_its_owner_and_only_from_the_leased_state()
    {
        var id = await AddAsync(1, 0);
        (await WithQueue(q => q.EndAsync(id, "w/0", JobStatus.Failed, "X", "x", string.Empty, CancellationToken.None))).ShouldBe(TransitionResult.NotInExpectedState, "queued: no run to end");
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => WithQueue(q => q.EndAsync(id, "w/0", JobStatus.Queued, null, null, string.Empty, CancellationToken.None)));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => WithQueue(q => q.EndAsync(id, "w/0", JobStatus.Completed, null, null, string.Empty, CancellationToken.None)));
        (await WithQueue(q => q.ClaimAsync("w/0", CancellationToken.None)))!.Id.ShouldBe(id);
        (await WithQueue(q => q.EndAsync(id, "w/1", JobStatus.Cancelled, null, "x", string.Empty, CancellationToken.None))).ShouldBe(TransitionResult.NotInExpectedState, "not the lease owner");
        (await WithQueue(q => q.EndAsync(id, "w/0", JobStatus.Cancelled, null, "x", string.Empty, CancellationToken.None))).ShouldBe(TransitionResult.Applied);
        (await LoadAsync(id)).Status.ShouldBe(JobStatus.Cancelled);
    }

    [Fact]
    public void Wire_names_follow_the_original_api()
    {
        JobStateMachine.ToWire(JobStatus.Running).ShouldBe("processing");
        JobStateMachine.FromWire("processing").ShouldBe(JobStatus.Running);
        JobStateMachine.FromWire("pending").ShouldBe(JobStatus.Queued);
        JobStateMachine.FromWire("bogus").ShouldBeNull();
    }

    private Task<string> AddAsync(int priority, int ageSeconds, int attempts = 0, string tenant = "t") =>
        _q.AddAsync(new Infrastructure.TestJob(tenant, priority, ageSeconds) { Attempts = attempts });

    private Task<T> WithQueue<T>(Func<IJobQueue, Task<T>> action) => _q.Queue(action);

    private Task<bool> WithQueue(Func<IJobQueue, Task> action) => _q.Queue(async q =>
    {
        await action(q);
        return true;
    });

    private Task<Job> LoadAsync(string id) => _q.LoadAsync(id);

    private Task<int> CountAsync(JobStatus status) => _q.Db(db => db.Jobs.CountAsync(j => j.Status == status));
}
