using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FfmpegApi.Core.Processing;

/// <summary>How a run's outcome is recorded: completed, failed, cancelled, retried, dead or handed back.</summary>
public sealed partial class JobRunner
{
    private async Task EndStoppedRunAsync(Job job, string workerId, RunContext run, JobProgress last, JobFailure? rejection)
    {
        switch (run.Reason)
        {
            case StopReason.InputRejected:
                // The probe beside ffmpeg stopped the run: its reason is the job's failure (before, such a run ended
                // as if its lease were lost, and the job sat in processing until the reaper gave it back).
                await FinishAsync(job, workerId, run, JobStatus.Failed, last, rejection?.Code ?? "INVALID_INPUT", rejection?.Message ?? "The input is not usable.", null);
                break;
            case StopReason.Cancelled:
                await FinishAsync(job, workerId, run, JobStatus.Cancelled, last, null, "Cancelled by request.", null);
                break;
            case StopReason.TimedOut:
                await FinishAsync(job, workerId, run, JobStatus.Failed, last, "TIMEOUT", "The job exceeded its time limit.", null);
                break;
            case StopReason.Stalled:
                await RetryOrDieAsync(job, workerId, run, "STALLED", $"ffmpeg made no progress for {jobOptions.Value.StallTimeoutSeconds} s.");
                break;
            case StopReason.Shutdown:
                await using (var scope = scopes.CreateAsyncScope())
                {
                    await scope.ServiceProvider.GetRequiredService<JobQueue>().ReleaseAsync(job.Id, workerId, CancellationToken.None);
                }

                LogReleased(logger, job.Id);
                break;
            default:
                // Lease lost: another worker owns the job now; publish nothing.
                break;
        }
    }

    private async Task FinishAsync(Job job, string workerId, RunContext run, JobStatus status, JobProgress last, string? code, string? message, string? outputJson, string? resultJson = null)
    {
        run.Log.Add(Line(status == JobStatus.Completed ? "completed" : $"{JobStateMachine.ToWire(status)}: {message}"));
        var log = run.Log.ToString();

        // Before the outcome is recorded and announced: a client that sees the terminal state finds no workspace left.
        // (The finally block of the run deletes it again for the paths that end without an outcome.)
        DeleteWorkspace(Path.Combine(storageOptions.Value.WorkspaceRoot, job.Id));
        // Completions are group-committed with those of the worker's other slots (one transaction for many jobs).
        var result = status == JobStatus.Completed
            ? await RecordAsync(() => completions.CompleteAsync(new Completion(job.Id, workerId, last, outputJson!, resultJson, log)))
            : await WithQueueAsync(queue => queue.EndAsync(job.Id, workerId, status, code, message, log, CancellationToken.None));
        if (result != TransitionResult.Applied)
        {
            LogTransitionLost(logger, job.Id, status);
            return;
        }

        Observability.Tracing.EndJobRun(status, code);

        var final = status == JobStatus.Completed ? last with { Stage = "completed", Percent = 100, EtaSeconds = 0 } : last with { Stage = JobStateMachine.ToWire(status), EtaSeconds = null };
        hub.Publish(job.Id, status, final, clock.GetUtcNow().UtcDateTime, code, message);
        metrics.Ended(JobStateMachine.ToWire(status), run.Described);
        LogFinished(logger, job.Id, status, code);
    }

    /// <summary>A transient failure: the job goes back to the queue (after a backoff) or, out of attempts, ends dead.</summary>
    private async Task RetryOrDieAsync(Job job, string workerId, RunContext run, string code, string message)
    {
        run.Log.Add(Line($"attempt {job.Attempts} failed ({code}): {message}"));
        DeleteWorkspace(Path.Combine(storageOptions.Value.WorkspaceRoot, job.Id));
        var log = run.Log.ToString();
        var outcome = await WithQueueAsync(queue => queue.FailTransientlyAsync(job.Id, workerId, code, message, log, CancellationToken.None));
        if (outcome is not { } status)
        {
            LogTransitionLost(logger, job.Id, JobStatus.Queued);
            return;
        }

        Observability.Tracing.EndJobRun(status, code);
        var now = clock.GetUtcNow().UtcDateTime;
        hub.Publish(job.Id, status, new JobProgress(status == JobStatus.Dead ? "dead" : "retry_scheduled", null, null, null, null, null, null, null), now, code, message);
        metrics.Ended(status == JobStatus.Dead ? "dead" : "retried", run.Described);
        LogFinished(logger, job.Id, status, code);
    }

    /// <summary>
    /// Fencing before anything becomes visible: the lease is renewed once more, so a run that lost it (its process
    /// stalled past the lease and another worker holds the job now) stops here and publishes nothing.
    /// </summary>
    private async Task ConfirmLeaseAsync(RunState state)
    {
        if (!await WithQueueAsync(queue => queue.RenewLeaseAsync(state.Job.Id, state.WorkerId, CancellationToken.None)))
        {
            LogLeaseLostBeforePublish(logger, state.Job.Id);
            state.Run.Stop(StopReason.LeaseLost);
            throw new OperationCanceledException(state.Run.Token);
        }
    }

    /// <summary>
    /// Records an outcome through a fresh <see cref="JobQueue"/>, riding out a database blip (a PostgreSQL restart) for
    /// up to a lease: the encode is done, so it is worth waiting for rather than being run again by another worker.
    /// </summary>
    private Task<T> WithQueueAsync<T>(Func<JobQueue, Task<T>> record) =>
        RecordAsync(async () =>
        {
            await using var scope = scopes.CreateAsyncScope();
            return await record(scope.ServiceProvider.GetRequiredService<JobQueue>());
        });

    private Task<T> RecordAsync<T>(Func<Task<T>> record) =>
        TransientDb.RetryAsync(record, TimeSpan.FromSeconds(workerOptions.Value.LeaseSeconds), clock, ex => LogRecordRetry(logger, ex));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} is no longer leased to this worker; its output is not published")]
    private static partial void LogLeaseLostBeforePublish(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unreachable while recording a job outcome; retrying")]
    private static partial void LogRecordRetry(ILogger logger, Exception exception);
}
