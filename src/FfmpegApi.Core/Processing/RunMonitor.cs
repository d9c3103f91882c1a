using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// Runs beside ffmpeg for one job: persists the latest progress at most every
/// <c>Jobs:ProgressPersistMilliseconds</c>, renews the lease, notices a cancel flagged by another process, and
/// stops a run that has stopped making progress. It owns its own DbContext (they are not thread-safe).
/// </summary>
internal sealed partial class RunMonitor(
    IServiceScopeFactory scopes,
    TimeProvider clock,
    JobOptions jobOptions,
    WorkerOptions workerOptions,
    TimeSpan progressEventInterval,
    ILogger logger)
{
    private JobProgress? _latest;
    private JobProgress? _persisted;
    private long _lastProgressTimestamp;

    public void Report(JobProgress progress)
    {
        Volatile.Write(ref _latest, progress);
        Interlocked.Exchange(ref _lastProgressTimestamp, clock.GetTimestamp());
    }

    public async Task RunAsync(string jobId, string workerId, RunContext run, CancellationToken stopMonitor)
    {
        Interlocked.Exchange(ref _lastProgressTimestamp, clock.GetTimestamp());
        await using var scope = scopes.CreateAsyncScope();
        var queue = scope.ServiceProvider.GetRequiredService<IJobQueue>();
        var tick = TimeSpan.FromMilliseconds(jobOptions.ProgressPersistMilliseconds);
        var leaseEvery = TimeSpan.FromSeconds(workerOptions.LeaseSeconds / 3.0);
        var stall = TimeSpan.FromSeconds(jobOptions.StallTimeoutSeconds);
        var lastLease = clock.GetTimestamp();
        long? lastAnnounced = null;
        var renewed = lastLease;
        var lease = TimeSpan.FromSeconds(workerOptions.LeaseSeconds);
        var outage = false;
        using var timer = new PeriodicTimer(tick, clock);
        try
        {
            // A cancel that arrived between the claim and this run's registration in RunningJobs.
            if (await queue.IsCancelRequestedAsync(jobId, stopMonitor))
            {
                run.Stop(StopReason.Cancelled);
                return;
            }

            while (await timer.WaitForNextTickAsync(stopMonitor))
            {
                try
                {
                    if (await TickAsync() is { } stop)
                    {
                        run.Stop(stop);
                        return;
                    }

                    if (outage)
                    {
                        outage = false;
                        LogDatabaseBack(logger, jobId);
                    }
                }
                catch (Exception ex) when (TransientDb.IsTransient(ex))
                {
                    // ffmpeg keeps running through a database blip; once the lease may have run out, another worker may
                    // hold the job, so this run stops without publishing.
                    if (!outage)
                    {
                        outage = true;
                        LogDatabaseUnreachable(logger, ex, jobId);
                    }

                    lastLease = 0; // renew at the next tick rather than a third of a lease later

                    if (clock.GetElapsedTime(renewed) >= lease)
                    {
                        LogLeaseLost(logger, jobId);
                        run.Stop(StopReason.LeaseLost);
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopMonitor.IsCancellationRequested)
        {
        }

        // One pass: persist progress, renew the lease when due, notice a cancel or a stall. Returns why to stop, if so.
        async Task<StopReason?> TickAsync()
        {
            var latest = Volatile.Read(ref _latest);
            if (latest is not null && !ReferenceEquals(latest, _persisted))
            {
                // job.progress webhooks: throttled to one per Webhooks:ProgressIntervalSeconds.
                var announce = lastAnnounced is not { } at || clock.GetElapsedTime(at) >= progressEventInterval;
                if (!await queue.UpdateProgressAsync(jobId, workerId, latest, announce, stopMonitor))
                {
                    var reason = await queue.IsCancelRequestedAsync(jobId, stopMonitor) ? StopReason.Cancelled : StopReason.LeaseLost;
                    if (reason == StopReason.LeaseLost)
                    {
                        LogLeaseLost(logger, jobId);
                    }

                    return reason;
                }

                _persisted = latest;
                lastAnnounced = announce ? clock.GetTimestamp() : lastAnnounced;
            }

            if (clock.GetElapsedTime(lastLease) >= leaseEvery)
            {
                lastLease = clock.GetTimestamp();
                if (!await queue.RenewLeaseAsync(jobId, workerId, stopMonitor))
                {
                    LogLeaseLost(logger, jobId);
                    return StopReason.LeaseLost;
                }

                renewed = lastLease;

                if (await queue.IsCancelRequestedAsync(jobId, stopMonitor))
                {
                    return StopReason.Cancelled;
                }
            }

            if (clock.GetElapsedTime(Interlocked.Read(ref _lastProgressTimestamp)) > stall)
            {
                LogStalled(logger, jobId, stall.TotalSeconds);
                return StopReason.Stalled;
            }

            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the lease on job {JobId}; stopping ffmpeg without publishing")]
    private static partial void LogLeaseLost(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unreachable while running job {JobId}; ffmpeg continues, retrying until the lease would have run out")]
    private static partial void LogDatabaseUnreachable(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database reachable again for job {JobId}")]
    private static partial void LogDatabaseBack(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} made no progress for {Seconds} s; stopping it")]
    private static partial void LogStalled(ILogger logger, string jobId, double seconds);
}

/// <summary>Makes the <see cref="RunMonitor"/> of each run, with the options read once.</summary>
internal sealed class RunMonitorFactory(
    IServiceScopeFactory scopes,
    TimeProvider clock,
    IOptions<JobOptions> jobOptions,
    IOptions<WorkerOptions> workerOptions,
    IOptions<Webhooks.WebhookOptions> webhookOptions,
    ILogger<JobRunner> logger)
{
    internal RunMonitor Create() =>
        new(scopes, clock, jobOptions.Value, workerOptions.Value, TimeSpan.FromSeconds(webhookOptions.Value.ProgressIntervalSeconds), logger);
}
