using System.Text.Json;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Specs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// Runs one claimed job: claim → monitor → the kind's <see cref="IJobHandler"/> → publish → outcome. The kinds' work
/// lives in their handlers; this skeleton owns the run's lifetime: its workspace (removed whatever happens), its
/// monitor (lease, progress, cancel, stall), its time limit, and how each way of ending is recorded.
/// </summary>
internal sealed partial class JobRunner(
    IEnumerable<IJobHandler> handlers,
    FfmpegTools tools,
    StorageMounts mounts,
    InputResolver inputs,
    OutputPublisher publisher,
    RunOutcomes outcomes,
    RunMonitorFactory monitors,
    ProgressHub hub,
    RunningJobs running,
    JobMetrics metrics,
    TimeProvider clock,
    IOptions<JobOptions> jobOptions,
    IOptions<StorageOptions> storageOptions,
    ILogger<JobRunner> logger)
{
    private readonly Dictionary<Type, IJobHandler> _handlers = handlers.ToDictionary(h => h.Kind);

    public async Task RunAsync(Job job, string workerId, CancellationToken hostStopping)
    {
        using var scope = logger.BeginScope(new LogScope("job_id", job.Id));
        using var activity = Observability.Tracing.StartJobRun(job, workerId);
        using var context = running.Register(job.Id, hostStopping);
        var workspace = Path.Combine(storageOptions.Value.WorkspaceRoot, job.Id);
        var started = clock.GetTimestamp();
        var monitor = monitors.Create();
        var inputFormats = (await tools.GetInputCapabilitiesAsync()).InputFormatWhitelist;
        var run = new JobRun(job, workerId, context, workspace, inputFormats, mounts.Sanitize, clock, progress =>
        {
            monitor.Report(progress);
            hub.Publish(job.Id, JobStatus.Running, progress, clock.GetUtcNow().UtcDateTime);
        });
        using var stopMonitor = new CancellationTokenSource();
        var monitorTask = Task.CompletedTask;
        try
        {
            LogStarted(logger, job.Id, job.Attempts);
            run.Log($"attempt {job.Attempts} started on {workerId}");
            var (spec, delivery) = Read(job);
            context.Described = JobMetrics.Describe(spec);
            var handler = _handlers.GetValueOrDefault(spec.GetType())
                ?? throw new JobFailure("INVALID_SPEC", $"No handler on this worker runs '{spec.Kind}' jobs.");
            var timeout = TimeSpan.FromSeconds(Math.Min(delivery.TimeoutSeconds ?? jobOptions.Value.DefaultTimeoutSeconds, jobOptions.Value.MaxTimeoutSeconds));
            run.StreamFor = delivery.StreamInput ? timeout + TimeSpan.FromMinutes(10) : null;
            using var keys = inputs.OpenCredentials(delivery.SealedCredentials);
            using var timeoutTimer = clock.CreateTimer(_ => run.Stop(StopReason.TimedOut), null, timeout, Timeout.InfiniteTimeSpan);
            monitorTask = monitor.RunAsync(job.Id, workerId, context, stopMonitor.Token);
            Directory.CreateDirectory(workspace);

            var token = run.Token;
            run.Stage("probing");
            var input = await inputs.ResolveInputAsync(run, spec.Input, token);
            var output = inputs.ResolveOutput(spec.Output.Path, workspace);
            var product = await handler.RunAsync(run, spec, input, output, token);

            await StopMonitorAsync(stopMonitor, monitorTask);
            run.Report(run.Last with { Stage = "publishing", Percent = 100, EtaSeconds = 0 });
            await outcomes.ConfirmLeaseAsync(run);
            var published = await product.PublishAsync(publisher, token);
            run.Log($"output published: {published.Metadata.Path} ({published.Metadata.SizeBytes} bytes)");
            await outcomes.CompleteAsync(run, published);
            if (run.Last.Speed is { } speed)
            {
                metrics.EncodeSpeed.Record(speed);
            }
        }
        catch (JobFailure failure) when (failure.Transient)
        {
            await outcomes.RetryOrDieAsync(run, failure.Code, failure.Message);
        }
        catch (JobFailure failure)
        {
            await outcomes.FailAsync(run, failure.Code, failure.Message);
        }
        catch (OperationCanceledException) when (context.Reason != StopReason.None)
        {
            await outcomes.EndStoppedAsync(run);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Storage trouble (a full disk, a vanished mount, a file in the way) may be gone at the next attempt.
            LogUnexpected(logger, ex, job.Id);
            await outcomes.RetryOrDieAsync(run, "STORAGE_ERROR", mounts.Sanitize(ex.Message));
        }
        catch (InvalidDataException ex)
        {
            LogUnexpected(logger, ex, job.Id);
            await outcomes.FailAsync(run, "PROCESSING_ERROR", mounts.Sanitize(ex.Message));
        }
        finally
        {
            await StopMonitorAsync(stopMonitor, monitorTask);
            running.Unregister(job.Id);
            outcomes.DeleteWorkspace(workspace);
            metrics.Duration.Record(clock.GetElapsedTime(started).TotalSeconds);
        }
    }

    private static (JobSpec Spec, JobDelivery Delivery) Read(Job job)
    {
        try
        {
            return (job.Spec(), job.Delivery());
        }
        catch (JsonException ex)
        {
            throw new JobFailure("INVALID_SPEC", $"The stored job spec is unreadable: {ex.Message}");
        }
    }

    private static async Task StopMonitorAsync(CancellationTokenSource stop, Task monitorTask)
    {
        await stop.CancelAsync();
        await monitorTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} started (attempt {Attempt})")]
    private static partial void LogStarted(ILogger logger, string jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string jobId);
}
