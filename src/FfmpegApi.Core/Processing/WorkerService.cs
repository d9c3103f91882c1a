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
/// <c>Worker:Concurrency</c> slots fed by one claim loop that claims for all free slots at once and sleeps on the queue
/// signal when idle.
/// </summary>
internal sealed partial class WorkerService(
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
        await DispatchAsync(concurrency, capabilities, stoppingToken, drain.Token);
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
            var queue = scope.ServiceProvider.GetRequiredService<IJobQueue>();
            shared = queue.IsShared;
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

    /// <summary>
    /// The claim loop: whenever slots are free it claims up to that many jobs in one claim (a batch on PostgreSQL) and
    /// starts a run per job in its slot; the lease owner is <c>{instance}/{slot}</c>. Idle, it sleeps on the queue signal
    /// (or the idle poll); with every slot busy, until a run ends. Stopping ends claiming; the runs in flight finish (or
    /// are handed back by the drain) before this returns. A worker with hardware devices claims one job at a time, so
    /// each hardware job is claimed only while a device session is free.
    /// </summary>
    private async Task DispatchAsync(int concurrency, WorkerCapability capabilities, CancellationToken stoppingToken, CancellationToken drained)
    {
        var idle = TimeSpan.FromSeconds(options.Value.IdlePollSeconds);
        var free = new SortedSet<int>(Enumerable.Range(0, concurrency));

        // The latest run of each slot (a slot is reused only after its run gave it back, past its job's outcome).
        var runs = new Task?[concurrency];
        using var slotFreed = new SemaphoreSlim(0);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                int[] slots;
                lock (free)
                {
                    slots = [.. free];
                }

                if (slots.Length == 0)
                {
                    await slotFreed.WaitAsync(stoppingToken);
                    continue;
                }

                // A vendor whose devices have no free session is left out until one ends (Hardware:MaxSessions).
                var claimable = hardware.Claimable(capabilities);
                if ((capabilities & JobRequirements.Devices) != 0)
                {
                    slots = slots[..1];
                }

                var owners = slots.Select(slot => $"{identity.InstanceId}/{slot}").ToList();
                IReadOnlyList<Jobs.Job> jobs;
                await using (var scope = scopes.CreateAsyncScope())
                {
                    jobs = await scope.ServiceProvider.GetRequiredService<IJobQueue>().ClaimManyAsync(owners, claimable, stoppingToken);
                }

                if (jobs.Count == 0)
                {
                    await signal.WaitAsync(idle, stoppingToken);
                    continue;
                }

                foreach (var job in jobs)
                {
                    var owner = job.LeaseOwner!;
                    var slot = slots[owners.IndexOf(owner)];
                    lock (free)
                    {
                        free.Remove(slot);
                    }

                    runs[slot] = RunInSlotAsync(
                        job,
                        owner,
                        () =>
                        {
                            lock (free)
                            {
                                free.Add(slot);
                            }

                            slotFreed.Release();
                        },
                        drained);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // The claim loop must survive any single failure (e.g. the database briefly unreachable).
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogLoopError(logger, ex, identity.InstanceId);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        await Task.WhenAll(runs.OfType<Task>());
    }

    /// <summary>Runs one claimed job; whatever happens, the slot is given back afterwards.</summary>
    private async Task RunInSlotAsync(Jobs.Job job, string owner, Action release, CancellationToken drained)
    {
        await Task.Yield();
        try
        {
            await runner.RunAsync(job, owner, drained);
        }
#pragma warning disable CA1031 // One failed run must not take the worker down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogLoopError(logger, ex, owner);
        }
        finally
        {
            release();
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Worker {WorkerId} failed; retrying")]
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
            // Tenant counts are kept only while a limit is set: a process started with one sets them right at once.
            if (options.Value.TenantConcurrency > 0)
            {
                await PassAsync(reap: false, stoppingToken);
            }

            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await PassAsync(reap: true, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Reaps expired leases (unless <paramref name="reap"/> is false), then, while a tenant limit is set, reconciles the counts.</summary>
    private async Task PassAsync(bool reap, CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var queue = scope.ServiceProvider.GetRequiredService<IJobQueue>();
            if (reap && await queue.ReapAsync(null, stoppingToken) is > 0 and var reaped)
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-queued or failed {Count} job(s) with expired leases")]
    private static partial void LogReaped(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Corrected the running-job count of {Count} tenant(s)")]
    private static partial void LogCountsCorrected(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lease reaper pass failed")]
    private static partial void LogReapFailed(ILogger logger, Exception exception);
}
