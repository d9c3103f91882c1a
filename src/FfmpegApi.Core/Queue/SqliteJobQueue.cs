using FfmpegApi.Core.Batches;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Queue;

/// <summary>
/// The queue on SQLite (single node): one writer at a time, so a claim is a candidate query and its guarded UPDATE, and
/// completions are recorded one after another.
/// </summary>
public sealed class SqliteJobQueue(AppDbContext db, TimeProvider clock, IOptions<WorkerOptions> workerOptions, WebhookOutbox outbox, BatchTracker batches, JobTransitions transitions, RetryPolicy retryPolicy, IQueueEffects effects)
    : JobQueue(db, clock, workerOptions, outbox, batches, transitions, retryPolicy, effects)
{
    /// <summary>SQLite: embedded, one process.</summary>
    public override bool IsShared => false;

    /// <summary>SQLite: one guarded claim after another (up to five tries each when another claimer took the candidate).</summary>
    public override async Task<IReadOnlyList<Job>> ClaimManyAsync(IReadOnlyList<string> owners, WorkerCapability capabilities, CancellationToken cancellationToken)
    {
        var limit = Options.TenantConcurrency;
        var caps = (int)capabilities;
        var claimed = new List<Job>();
        foreach (var owner in owners)
        {
            Job? job = null;
            for (var attempt = 0; attempt < 5; attempt++)
            {
                (var found, job) = await ClaimGuardedAsync(owner, caps, limit, cancellationToken);
                if (!found || job is not null)
                {
                    break;
                }
            }

            if (job is null)
            {
                break;
            }

            claimed.Add(job);
        }

        return Counted(claimed);
    }

    /// <summary>SQLite (one writer at a time): the candidate, then its guarded UPDATE. Found = there was a candidate.</summary>
    private async Task<(bool Found, Job? Job)> ClaimGuardedAsync(string workerId, int caps, int limit, CancellationToken cancellationToken)
    {
        var now = Now;
        var candidate = await (
            from j in Db.Jobs.AsNoTracking().Movable(JobTransition.Claim)
            where (j.RunAfter == null || j.RunAfter <= now) && (j.Requires & ~caps) == 0
            join t in Db.TenantSchedules.AsNoTracking() on j.TenantId equals t.TenantId into turns
            from t in turns.DefaultIfEmpty()
            where limit == 0 || t == null || t.Running < limit
            orderby j.Priority descending, t == null ? 0 : 1, t!.LastStartedAt, j.CreatedAt
            select new { j.Id, j.TenantId }).FirstOrDefaultAsync(cancellationToken);
        if (candidate is null)
        {
            return (false, null);
        }

        var counted = limit == 0 ? 0 : 1;
        var schedules = Db.TenantSchedules;
        var claimed = await Transitions.RunAsync(candidate.Id, WebhookEventTypes.JobStarted, async () =>
        {
            // The tenant's count is re-checked inside the UPDATE, which SQLite runs under its write lock.
            var rows = await Db.Jobs
                .Movable(JobTransition.Claim).Where(j => j.Id == candidate.Id)
                .Where(j => limit == 0 || !schedules.Any(t => t.TenantId == j.TenantId && t.Running >= limit))
                .ExecuteUpdateAsync(
                    s => s.SetProperty(j => j.Status, JobTransition.Claim.To)
                        .SetProperty(j => j.LeaseOwner, workerId)
                        .SetProperty(j => j.LeaseExpiresAt, now + Lease)
                        .SetProperty(j => j.StartedAt, now)
                        .SetProperty(j => j.UpdatedAt, now)
                        .SetProperty(j => j.Stage, "starting")
                        .SetProperty(j => j.RunAfter, (DateTime?)null)
                        .SetProperty(j => j.Attempts, j => j.Attempts + 1),
                    cancellationToken);
            if (rows == 1 && await Db.TenantSchedules.Where(t => t.TenantId == candidate.TenantId)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastStartedAt, now).SetProperty(t => t.Running, t => t.Running + counted), cancellationToken) == 0)
            {
                // SQLite serializes writers, so nobody inserts the same tenant between the update and this insert.
                Db.TenantSchedules.Add(new TenantSchedule { TenantId = candidate.TenantId, LastStartedAt = now, Running = counted });
                await Db.SaveChangesAsync(cancellationToken);
                Db.ChangeTracker.Clear();
            }

            return rows;
        }, cancellationToken);
        return (true, claimed ? await Db.Jobs.AsNoTracking().FirstAsync(j => j.Id == candidate.Id, cancellationToken) : null);
    }

    /// <summary>Records <paramref name="completions"/>; the result at each index says whether that one applied.</summary>
    public override async Task<IReadOnlyList<TransitionResult>> CompleteManyAsync(IReadOnlyList<Completion> completions, CancellationToken cancellationToken)
    {
        var results = new List<TransitionResult>(completions.Count);
        foreach (var completion in completions)
        {
            results.Add(await CompleteOneAsync(completion, cancellationToken) ? TransitionResult.Applied : TransitionResult.NotInExpectedState);
        }

        return results;
    }

    /// <summary>SQLite: one completion, its guarded UPDATE and effects in their own transaction.</summary>
    private Task<bool> CompleteOneAsync(Completion c, CancellationToken cancellationToken)
    {
        var now = Now;
        return Transitions.RunAsync(c.JobId, new JobTransitions.Effects(WebhookEventTypes.JobCompleted, true, new AttemptEnd(null, c.WorkerId, AttemptOutcomes.Completed)), () => OwnedBy(c.JobId, c.WorkerId, JobTransition.Complete).ExecuteUpdateAsync(
            s => JobTransitions.Unleased(s).SetProperty(j => j.Status, JobTransition.Complete.To)
                .SetProperty(j => j.Fps, c.Last.Fps)
                .SetProperty(j => j.Speed, c.Last.Speed)
                .SetProperty(j => j.Progress, 100d)
                .SetProperty(j => j.Stage, "completed")
                .SetProperty(j => j.EtaSeconds, 0d)
                .SetProperty(j => j.CompletedAt, now)
                .SetProperty(j => j.UpdatedAt, now)
                .SetProperty(j => j.OutputJson, c.OutputJson)
                .SetProperty(j => j.ResultJson, c.ResultJson)
                .SetProperty(j => j.InputBytes, c.InputBytes)
                .SetProperty(j => j.OutputBytes, c.OutputBytes)
                .SetProperty(j => j.ErrorCode, (string?)null)
                .SetProperty(j => j.ErrorMessage, (string?)null)
                .SetProperty(j => j.Log, c.Log),
            cancellationToken), cancellationToken);
    }
}
