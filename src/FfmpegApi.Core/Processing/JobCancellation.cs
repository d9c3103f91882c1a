using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Queue;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// Cancelling jobs, for the job and batch endpoints alike: a queued or waiting job ends at once (and is counted here,
/// since no worker will); a running one is flagged, its run stopped wherever it runs, and its worker records the end.
/// </summary>
public sealed class JobCancellation(AppDbContext db, IJobQueue queue, ProgressHub hub, JobMetrics metrics, TimeProvider clock)
{
    /// <summary>How long a single cancel waits for a running job's worker to record the end, so the answer is the truth.</summary>
    public static readonly TimeSpan RunningWait = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Cancels <paramref name="job"/> (not terminal); with <paramref name="wait"/>, waits that long for a running job to
    /// end. Returns the job's state afterwards (cancelled, still running while its worker stops it, or whatever it reached
    /// first, such as completed just before the cancel) and whether it was cancelled before it started.
    /// </summary>
    public async Task<(JobStatus Status, bool BeforeStart)> CancelAsync(Job job, string reason, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (job.Status is JobStatus.Queued or JobStatus.Waiting && await queue.CancelQueuedAsync(job.Id, reason, cancellationToken))
        {
            metrics.Ended("cancelled", JobMetrics.Describe(job.Spec()));
            return (JobStatus.Cancelled, true);
        }

        using var subscription = hub.Subscribe(job.Id);
        if (await queue.RequestCancelAsync(job.Id, cancellationToken) && wait > TimeSpan.Zero)
        {
            await WaitForEndAsync(subscription, job.Id, wait, cancellationToken);
        }

        return (await db.Jobs.AsNoTracking().Where(j => j.Id == job.Id).Select(j => j.Status).FirstAsync(cancellationToken), false);
    }

    /// <summary>Cancels every unfinished job of a set, last first (so dependents end cancelled, not skipped), without waiting.</summary>
    public async Task CancelAllAsync(IEnumerable<Job> jobs, string reason, CancellationToken cancellationToken)
    {
        foreach (var job in jobs.Where(j => !JobStateMachine.IsTerminal(j.Status)).OrderByDescending(j => j.BatchIndex))
        {
            await CancelAsync(job, reason, TimeSpan.Zero, cancellationToken);
        }
    }

    /// <summary>
    /// Waits for the worker to stop ffmpeg and record the outcome: pushed by the in-process hub when this process runs the
    /// job, read from the row every 250 ms when another process does.
    /// </summary>
    private async Task WaitForEndAsync(JobSubscription subscription, string id, TimeSpan wait, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        while (clock.GetElapsedTime(started) < wait)
        {
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            tick.CancelAfter(TimeSpan.FromMilliseconds(250));
            try
            {
                while (await subscription.Reader.WaitToReadAsync(tick.Token))
                {
                    if (subscription.Reader.TryRead(out var evt) && evt.IsTerminal)
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            var status = await db.Jobs.AsNoTracking().Where(j => j.Id == id).Select(j => j.Status).FirstAsync(cancellationToken);
            if (JobStateMachine.IsTerminal(status))
            {
                return;
            }
        }
    }
}
