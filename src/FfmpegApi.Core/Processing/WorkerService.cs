using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing;

/// <summary>Identifies this process in lease owners: <c>{host}:{pid}:{random}</c>, plus <c>/{slot}</c> per loop.</summary>
public sealed class WorkerIdentity
{
    public string InstanceId { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
}

/// <summary>
/// The embedded worker: recovers what a crashed predecessor left (orphaned running jobs, workspaces), then runs
/// <c>Worker:Concurrency</c> claim loops that sleep on the queue signal when idle.
/// </summary>
public sealed partial class WorkerService(
    IServiceScopeFactory scopes,
    JobRunner runner,
    QueueSignal signal,
    WorkerIdentity identity,
    IOptions<WorkerOptions> options,
    IOptions<StorageOptions> storage,
    Hardware.HardwareService hardware,
    ILogger<WorkerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecoverAsync(stoppingToken);
        var capabilities = await hardware.WorkerCapabilitiesAsync();
        var concurrency = options.Value.EffectiveConcurrency;
        LogWorkerStarted(logger, identity.InstanceId, concurrency);

        // Graceful drain: stopping ends claiming at once; running jobs get Worker:DrainSeconds to finish.
        using var drain = new CancellationTokenSource();
        var grace = TimeSpan.FromSeconds(options.Value.DrainSeconds);
        using var onStop = stoppingToken.Register(() =>
        {
            LogDraining(logger, grace.TotalSeconds);
            drain.CancelAfter(grace);
        });
        var loops = Enumerable.Range(0, concurrency).Select(slot => LoopAsync($"{identity.InstanceId}/{slot}", capabilities, stoppingToken, drain.Token));
        await Task.WhenAll(loops);
    }

    /// <summary>
    /// Only one process uses an embedded SQLite database, so at start every job still "running" belongs to a
    /// dead process: requeue them now rather than waiting for their leases to expire. On PostgreSQL other workers are
    /// alive, so only expired leases are reaped. Then sweep workspaces, except those of jobs still running elsewhere.
    /// </summary>
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        HashSet<string> running;
        bool shared;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            shared = db.Database.IsNpgsql();
            var queue = scope.ServiceProvider.GetRequiredService<JobQueue>();
            var recovered = await queue.ReapAsync(allRunningExcept: shared ? null : identity.InstanceId, cancellationToken);
            if (recovered > 0)
            {
                LogRecovered(logger, recovered);
            }

            running = shared
                ? [.. await db.Jobs.AsNoTracking().Where(j => j.Status == JobStatus.Running).Select(j => j.Id).ToListAsync(cancellationToken)]
                : [];
        }

        var root = storage.Value.WorkspaceRoot;
        if (Directory.Exists(root))
        {
            // On a shared database another worker may claim a job (and create its workspace) after the running jobs were
            // read: only directories untouched for two lease periods are left over from dead processes.
            var settled = TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(-2 * options.Value.LeaseSeconds);
            foreach (var dir in Directory.EnumerateDirectories(root).Where(d => !running.Contains(Path.GetFileName(d)) && (!shared || Directory.GetLastWriteTimeUtc(d) < settled)))
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException ex)
                {
                    LogSweepFailed(logger, ex, dir);
                }
            }
        }
    }

    private async Task LoopAsync(string workerId, WorkerCapability capabilities, CancellationToken stoppingToken, CancellationToken drained)
    {
        var idle = TimeSpan.FromSeconds(options.Value.IdlePollSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Jobs.Job? job;
                await using (var scope = scopes.CreateAsyncScope())
                {
                    // A vendor whose devices have no free session is left out until one ends (Hardware:MaxSessions).
                    job = await scope.ServiceProvider.GetRequiredService<JobQueue>().ClaimAsync(workerId, hardware.Claimable(capabilities), stoppingToken);
                }

                if (job is null)
                {
                    await signal.WaitAsync(idle, stoppingToken);
                    continue;
                }

                await runner.RunAsync(job, workerId, drained);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A worker loop must survive any single failure (e.g. the database briefly locked).
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogLoopError(logger, ex, workerId);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} started with concurrency {Concurrency}")]
    private static partial void LogWorkerStarted(ILogger logger, string workerId, int concurrency);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: no new jobs; running jobs have {Seconds} s to finish before they are handed back")]
    private static partial void LogDraining(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovered {Count} job(s) left running by a previous process")]
    private static partial void LogRecovered(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove stale workspace {Directory}")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception, string directory);

    [LoggerMessage(Level = LogLevel.Error, Message = "Worker loop {WorkerId} failed; retrying")]
    private static partial void LogLoopError(ILogger logger, Exception exception, string workerId);
}

/// <summary>Returns jobs whose lease expired (their worker died or hung) to the queue.</summary>
public sealed partial class LeaseExpiredJobReaper(IServiceScopeFactory scopes, TimeProvider clock, IOptions<WorkerOptions> options, ILogger<LeaseExpiredJobReaper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ReaperIntervalSeconds), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var queue = scope.ServiceProvider.GetRequiredService<JobQueue>();
                    var reaped = await queue.ReapAsync(null, stoppingToken);
                    if (reaped > 0)
                    {
                        LogReaped(logger, reaped);
                    }

                    if (options.Value.TenantConcurrency > 0 && await queue.ReconcileTenantCountsAsync(stoppingToken) is > 0 and var corrected)
                    {
                        LogCountsCorrected(logger, corrected);
                    }
                }
#pragma warning disable CA1031 // The reaper keeps running through transient database errors.
                catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    LogReapFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-queued or failed {Count} job(s) with expired leases")]
    private static partial void LogReaped(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Corrected the running-job count of {Count} tenant(s)")]
    private static partial void LogCountsCorrected(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lease reaper pass failed")]
    private static partial void LogReapFailed(ILogger logger, Exception exception);
}
