using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// How a run's outcome is recorded and announced: completed, failed, cancelled, retried, dead or handed back; and the
/// fencing check before anything becomes visible. Each write rides out a database blip for up to a lease.
/// </summary>
internal sealed partial class RunOutcomes(
    IServiceScopeFactory scopes,
    CompletionCommitter completions,
    ProgressHub hub,
    JobMetrics metrics,
    TimeProvider clock,
    IOptions<JobOptions> jobOptions,
    IOptions<WorkerOptions> workerOptions,
    ILogger<RunOutcomes> logger)
{
    public Task CompleteAsync(JobRun run, PublishedOutput published) =>
        FinishAsync(run, JobStatus.Completed, null, null, published);

    public Task FailAsync(JobRun run, string code, string message) =>
        FinishAsync(run, JobStatus.Failed, code, message, null);

    /// <summary>A run stopped before its end: by a cancel, a timeout, a stall, a rejected input, shutdown or a lost lease.</summary>
    public async Task EndStoppedAsync(JobRun run)
    {
        switch (run.Context.Reason)
        {
            case StopReason.InputRejected:
                // The probe beside ffmpeg stopped the run: its reason is the job's failure.
                await FailAsync(run, run.Rejection?.Code ?? "INVALID_INPUT", run.Rejection?.Message ?? "The input is not usable.");
                break;
            case StopReason.Cancelled:
                await FinishAsync(run, JobStatus.Cancelled, null, "Cancelled by request.", null);
                break;
            case StopReason.TimedOut:
                await FailAsync(run, "TIMEOUT", "The job exceeded its time limit.");
                break;
            case StopReason.Stalled:
                await RetryOrDieAsync(run, "STALLED", $"ffmpeg made no progress for {jobOptions.Value.StallTimeoutSeconds} s.");
                break;
            case StopReason.Shutdown:
                await using (var scope = scopes.CreateAsyncScope())
                {
                    await scope.ServiceProvider.GetRequiredService<IJobQueue>().ReleaseAsync(run.Job.Id, run.WorkerId, CancellationToken.None);
                }

                LogReleased(logger, run.Job.Id);
                break;
            default:
                // Lease lost: another worker owns the job now; publish nothing.
                break;
        }
    }

    /// <summary>A transient failure: the job goes back to the queue (after a backoff) or, out of attempts, ends dead.</summary>
    public async Task RetryOrDieAsync(JobRun run, string code, string message)
    {
        var job = run.Job;
        run.Log($"attempt {job.Attempts} failed ({code}): {message}");
        DeleteWorkspace(run.Workspace);
        var log = run.Context.Log.ToString();
        var outcome = await WithQueueAsync(queue => queue.FailTransientlyAsync(job.Id, run.WorkerId, code, message, log, CancellationToken.None));
        if (outcome is not { } status)
        {
            LogTransitionLost(logger, job.Id, JobStatus.Queued);
            return;
        }

        Observability.Tracing.EndJobRun(status, code);
        hub.Publish(job.Id, status, new JobProgress(status == JobStatus.Dead ? "dead" : "retry_scheduled", null, null, null, null, null, null, null), clock.GetUtcNow().UtcDateTime, code, message);
        metrics.Ended(status == JobStatus.Dead ? "dead" : "retried", run.Context.Described);
        LogFinished(logger, job.Id, status, code);
    }

    /// <summary>
    /// Fencing before anything becomes visible: the lease is renewed once more, so a run that lost it (its process
    /// stalled past the lease and another worker holds the job now) stops here and publishes nothing.
    /// </summary>
    public async Task ConfirmLeaseAsync(JobRun run)
    {
        if (!await WithQueueAsync(queue => queue.RenewLeaseAsync(run.Job.Id, run.WorkerId, CancellationToken.None)))
        {
            LogLeaseLostBeforePublish(logger, run.Job.Id);
            run.Stop(StopReason.LeaseLost);
            throw new OperationCanceledException(run.Token);
        }
    }

    /// <summary>Removes a run's workspace; what cannot be removed now is left to the startup sweeper.</summary>
    public void DeleteWorkspace(string workspace)
    {
        try
        {
            if (Directory.Exists(workspace))
            {
                Directory.Delete(workspace, recursive: true);
            }
        }
        catch (IOException ex)
        {
            LogWorkspaceCleanupFailed(logger, ex, workspace);
        }
    }

    private async Task FinishAsync(JobRun run, JobStatus status, string? code, string? message, PublishedOutput? published)
    {
        var job = run.Job;
        run.Log(status == JobStatus.Completed ? "completed" : $"{JobStateMachine.ToWire(status)}: {message}");
        var log = run.Context.Log.ToString();
        var last = run.Last;

        // Before the outcome is recorded and announced: a client that sees the terminal state finds no workspace left.
        DeleteWorkspace(run.Workspace);
        // Completions are group-committed with those of the worker's other slots (one transaction for many jobs).
        var result = published is not null
            ? await RecordAsync(() => completions.CompleteAsync(new Completion(job.Id, run.WorkerId, last, System.Text.Json.JsonSerializer.Serialize(published.Metadata, JsonDefaults.Options), published.ResultJson, log)
            {
                InputBytes = run.InputBytes,
                OutputBytes = published.BytesOut,
            }))
            : await WithQueueAsync(queue => queue.EndAsync(job.Id, run.WorkerId, status, code, message, log, CancellationToken.None));
        if (result != TransitionResult.Applied)
        {
            LogTransitionLost(logger, job.Id, status);
            return;
        }

        Observability.Tracing.EndJobRun(status, code);
        var final = status == JobStatus.Completed ? last with { Stage = "completed", Percent = 100, EtaSeconds = 0 } : last with { Stage = JobStateMachine.ToWire(status), EtaSeconds = null };
        hub.Publish(job.Id, status, final, clock.GetUtcNow().UtcDateTime, code, message);
        metrics.Ended(JobStateMachine.ToWire(status), run.Context.Described);
        LogFinished(logger, job.Id, status, code);
    }

    /// <summary>
    /// Records an outcome through a fresh <see cref="Queue.IJobQueue"/>, riding out a database blip (a PostgreSQL restart) for
    /// up to a lease: the encode is done, so it is worth waiting for rather than being run again by another worker.
    /// </summary>
    private Task<T> WithQueueAsync<T>(Func<IJobQueue, Task<T>> record) =>
        RecordAsync(async () =>
        {
            await using var scope = scopes.CreateAsyncScope();
            return await record(scope.ServiceProvider.GetRequiredService<IJobQueue>());
        });

    private Task<T> RecordAsync<T>(Func<Task<T>> record) =>
        TransientDb.RetryAsync(record, TimeSpan.FromSeconds(workerOptions.Value.LeaseSeconds), clock, ex => LogRecordRetry(logger, ex));

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ended {Status} {ErrorCode}")]
    private static partial void LogFinished(ILogger logger, string jobId, JobStatus status, string? errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} was no longer ours when ending it as {Status}")]
    private static partial void LogTransitionLost(ILogger logger, string jobId, JobStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} returned to the queue at shutdown")]
    private static partial void LogReleased(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} is no longer leased to this worker; its output is not published")]
    private static partial void LogLeaseLostBeforePublish(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unreachable while recording a job outcome; retrying")]
    private static partial void LogRecordRetry(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove workspace {Workspace}")]
    private static partial void LogWorkspaceCleanupFailed(ILogger logger, Exception exception, string workspace);
}
