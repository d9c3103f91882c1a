using System.Globalization;
using System.Text.Json;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Queue;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Commands.Filtergraph;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Process;
using FfmpegApi.Media.Progress;
using FfmpegApi.Media.Specs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// Runs one claimed job: resolve and probe the input, plan, run ffmpeg with progress, publish the output
/// atomically, record the outcome. The workspace is removed whatever happens.
/// </summary>
public sealed partial class JobRunner(
    IServiceScopeFactory scopes,
    FfmpegTools tools,
    Hardware.HardwareService hardware,
    StorageMounts mounts,
    InputSources inputSources,
    OutputPublisher publisher,
    CompletionCommitter completions,
    Upscaling.UpscaleModels upscaleModels,
    ProgressHub hub,
    RunningJobs running,
    JobMetrics metrics,
    TimeProvider clock,
    IOptions<JobOptions> jobOptions,
    IOptions<WorkerOptions> workerOptions,
    IOptions<QualityOptions> qualityOptions,
    IOptions<StorageOptions> storageOptions,
    IOptions<Webhooks.WebhookOptions> webhookOptions,
    ILogger<JobRunner> logger)
{
    public async Task RunAsync(Job job, string workerId, CancellationToken hostStopping)
    {
        using var scope = logger.BeginScope(new LogScope("job_id", job.Id));
        using var activity = Observability.Tracing.StartJobRun(job, workerId);
        using var run = running.Register(job.Id, hostStopping);
        var workspace = Path.Combine(storageOptions.Value.WorkspaceRoot, job.Id);
        var started = clock.GetTimestamp();
        var monitor = new RunMonitor(scopes, clock, jobOptions.Value, workerOptions.Value, TimeSpan.FromSeconds(webhookOptions.Value.ProgressIntervalSeconds), logger);
        var inputFormats = (await tools.GetInputCapabilitiesAsync()).InputFormatWhitelist;
        var state = new RunState(job, workerId, run, monitor, workspace, mounts.Sanitize, inputFormats);
        using var stopMonitor = new CancellationTokenSource();
        var monitorTask = Task.CompletedTask;
        try
        {
            LogStarted(logger, job.Id, job.Attempts);
            run.Log.Add(Line($"attempt {job.Attempts} started on {workerId}"));
            var spec = JsonSerializer.Deserialize<JobSpec>(job.SpecJson, JsonDefaults.Options)
                ?? throw new JobFailure("INVALID_SPEC", "The stored job spec is unreadable.");
            run.Described = JobMetrics.Describe(spec);
            var timeout = TimeSpan.FromSeconds(Math.Min(spec.TimeoutSeconds ?? jobOptions.Value.DefaultTimeoutSeconds, jobOptions.Value.MaxTimeoutSeconds));
            state.StreamFor = spec.StreamInput ? timeout + TimeSpan.FromMinutes(10) : null;
            using var keys = OpenCredentials(spec);
            using var timeoutTimer = clock.CreateTimer(_ => run.Stop(StopReason.TimedOut), null, timeout, Timeout.InfiniteTimeSpan);
            monitorTask = monitor.RunAsync(job.Id, workerId, run, stopMonitor.Token);
            Directory.CreateDirectory(workspace);

            Publish(state, state.Last with { Stage = "probing" });
            var input = await ResolveInputAsync(spec.Input, state);
            var output = ResolveOutput(spec.Output.Path, workspace);

            OutputMetadata metadata;
            string? resultJson = null;
            if (spec.Streaming is { } streaming)
            {
                (metadata, resultJson) = await PackageAsync(state, spec, streaming, input, output!);
                await StopMonitorAsync(stopMonitor, monitorTask);
            }
            else if (spec.Thumbnails is { } thumbnails)
            {
                (metadata, resultJson) = await ThumbnailsAsync(state, thumbnails, input, output!);
                await StopMonitorAsync(stopMonitor, monitorTask);
            }
            else if (spec.Analysis is { } analysis)
            {
                var (report, analysisJson) = await AnalyzeAsync(state, analysis, input);
                await StopMonitorAsync(stopMonitor, monitorTask);
                Publish(state, state.Last with { Stage = "publishing", Percent = 100, EtaSeconds = 0 });
                await ConfirmLeaseAsync(state);
                (metadata, resultJson) = (await publisher.PublishReportAsync(report, output!, run.Token), analysisJson);
            }
            else
            {
                var extraOutputs = spec.ExtraOutputs.Select(o => ResolveOutput(o.Path, workspace)).ToList();
                var workFiles = await ConvertAsync(state, spec, input, [output!, .. extraOutputs]);
                await StopMonitorAsync(stopMonitor, monitorTask);
                Publish(state, state.Last with { Stage = "publishing", Percent = 100, EtaSeconds = 0 });
                await ConfirmLeaseAsync(state);
                var published = new List<OutputMetadata>();
                foreach (var (file, destination) in workFiles.Zip([output!, .. extraOutputs]))
                {
                    published.Add(await publisher.PublishAsync(file, destination, run.Token));
                }

                metadata = published[0];
                resultJson = published.Count > 1 || state.Quality is not null ? JsonSerializer.Serialize(new ConvertResult(published) { Quality = state.Quality }, JsonDefaults.Options) : null;
            }

            run.Log.Add(Line($"output published: {metadata.Path} ({metadata.SizeBytes} bytes)"));
            await FinishAsync(job, workerId, run, JobStatus.Completed, state.Last, null, null, JsonSerializer.Serialize(metadata, JsonDefaults.Options), resultJson);
            if (state.Last.Speed is { } speed)
            {
                metrics.EncodeSpeed.Record(speed);
            }
        }
        catch (JobFailure failure) when (failure.Transient)
        {
            await RetryOrDieAsync(job, workerId, run, failure.Code, failure.Message);
        }
        catch (JobFailure failure)
        {
            await FinishAsync(job, workerId, run, JobStatus.Failed, state.Last, failure.Code, failure.Message, null);
        }
        catch (OperationCanceledException) when (run.Reason != StopReason.None)
        {
            await EndStoppedRunAsync(job, workerId, run, state.Last, state.Rejection);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Storage trouble (a full disk, a vanished mount, a file in the way) may be gone at the next attempt.
            LogUnexpected(logger, ex, job.Id);
            await RetryOrDieAsync(job, workerId, run, "STORAGE_ERROR", mounts.Sanitize(ex.Message));
        }
        catch (InvalidDataException ex)
        {
            LogUnexpected(logger, ex, job.Id);
            await FinishAsync(job, workerId, run, JobStatus.Failed, state.Last, "PROCESSING_ERROR", mounts.Sanitize(ex.Message), null);
        }
        finally
        {
            await StopMonitorAsync(stopMonitor, monitorTask);
            running.Unregister(job.Id);
            DeleteWorkspace(workspace);
            metrics.Duration.Record(clock.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>Runs one ffmpeg pass with progress mapped onto the job's bar; throws when it did not succeed.</summary>
    private async Task<ProcessRunResult> RunPassAsync(RunState state, PlannedPass pass, double baseWeight, Task<ProbeOutcome>? probeBeside, Func<Stream, Task>? stdin = null, bool quiet = false)
    {
        if (pass.Upscale is not null && stdin is null)
        {
            return await RunUpscalePassAsync(state, pass, baseWeight, probeBeside);
        }

        var (job, run) = (state.Job, state.Run);
        var args = pass.Arguments(state.InputFormats);
        run.Log.Add(Line("ffmpeg " + state.Clean(FfmpegCommand.ForLog(args, state.InputFormats))));
        var result = await FfmpegProcess.RunAsync(
            new FfmpegRunOptions(pass.Executable ?? tools.FfmpegPath, args)
            {
                OnStarted = pid =>
                {
                    if (baseWeight == 0)
                    {
                        metrics.StartLatency.Record((clock.GetUtcNow().UtcDateTime - job.CreatedAt).TotalMilliseconds);
                    }

                    Publish(state, state.Last with { Stage = pass.Stage, Percent = state.ExpectedSeconds is > 0 ? Math.Round(baseWeight * 100, 2) : null });
                    run.Log.Add(Line($"ffmpeg started (pid {pid})"));
                },
                OnProgress = update => Publish(state, ToProgress(update, state.ExpectedSeconds, pass.Stage, baseWeight, pass.Weight)),
                StopGracePeriod = TimeSpan.FromSeconds(jobOptions.Value.StopGraceSeconds),
                StandardInput = stdin,
            },
            run.Token);
        // Quiet passes (quality-search samples, many per job) keep their stderr out of the log unless they fail.
        foreach (var line in quiet && result.Succeeded ? [] : result.StderrTail)
        {
            run.Log.Add(state.Clean(line));
        }

        if (probeBeside is not null && (await probeBeside).Failure is { } rejected)
        {
            throw rejected;
        }

        if (result.Stopped)
        {
            throw new OperationCanceledException(run.Token);
        }

        if (result.Killed)
        {
            throw new JobFailure("FFMPEG_KILLED", $"ffmpeg was killed (exit code {result.ExitCode}; out of memory?).", transient: true);
        }

        if (result.Succeeded)
        {
            return result;
        }

        var diagnosis = FfmpegDiagnostics.Diagnose(result.StderrTail, result.ExitCode, state.Last.OutTimeSeconds);
        throw new JobFailure(diagnosis.Code, $"ffmpeg failed: {state.Clean(diagnosis.Reason)}", diagnosis.Transient);
    }

    /// <summary>
    /// An input named by a spec: a storage path re-checked against the sandbox (it may have changed since submission),
    /// or a URL downloaded into the workspace first (ffmpeg then reads a local file).
    /// </summary>
    private async Task<ResolvedPath> ResolveInputAsync(string virtualPath, RunState state)
    {
        if (Upload.IdOf(virtualPath) is { } uploadId)
        {
            return await ResolveUploadAsync(uploadId, state);
        }

        if (state.StreamFor is { } validFor && Storage.Blobs.BlobAddress.LooksLikeOne(virtualPath) && await StreamInputAsync(virtualPath, validFor, state) is { } streamed)
        {
            return streamed;
        }

        if (InputSources.IsExternal(virtualPath))
        {
            return await FetchInputAsync(virtualPath, state);
        }

        return ResolveLocalInput(virtualPath);
    }

    /// <summary>A file in a mount: inside the sandbox, a regular non-empty file, within <c>Jobs:MaxInputBytes</c>.</summary>
    private ResolvedPath ResolveLocalInput(string virtualPath)
    {
        if (!mounts.TryResolve(virtualPath, out var input, out var inputError) || !File.Exists(input!.PhysicalPath))
        {
            throw new JobFailure("INVALID_INPUT", input is null ? inputError : $"Input file not found: {virtualPath}");
        }

        var length = new FileInfo(input.PhysicalPath).Length;
        if (length == 0)
        {
            // FIFOs and device nodes report size 0 (and would block or never end).
            throw new JobFailure("INVALID_INPUT", $"Input is empty or not a regular file: {virtualPath}");
        }

        if (length > jobOptions.Value.MaxInputBytes)
        {
            throw new JobFailure("INVALID_INPUT", $"Input is {JobOptions.Describe(length)}; this server accepts up to {JobOptions.Describe(jobOptions.Value.MaxInputBytes)}.");
        }

        return input;
    }

    private void Publish(RunState state, JobProgress progress)
    {
        state.Last = progress;
        state.Monitor.Report(progress);
        hub.Publish(state.Job.Id, JobStatus.Running, progress, clock.GetUtcNow().UtcDateTime);
    }

    /// <summary>
    /// One pass's progress as the job's: the pass covers [<paramref name="doneWeight"/>, doneWeight + weight] of
    /// the bar; the ETA counts the passes still to come at the current speed.
    /// </summary>
    internal static JobProgress ToProgress(ProgressUpdate update, double? expectedSeconds, string stage = "processing", double doneWeight = 0, double weight = 1)
    {
        var passPercent = update.IsEnd && expectedSeconds is > 0 ? 100 : ProgressMath.Percent(update.OutTime, expectedSeconds);
        var eta = update.IsEnd ? 0 : ProgressMath.EtaSeconds(update.OutTime, expectedSeconds, update.Speed);
        var later = 1 - doneWeight - weight;
        if (eta is { } e && later > 1e-9 && expectedSeconds is > 0 && update.Speed is > 0)
        {
            // Later passes are assumed to take as long per unit of weight as this one.
            eta = Math.Round(e + (expectedSeconds.Value / update.Speed.Value * later / weight), 1);
        }

        return new JobProgress(
            stage,
            passPercent is { } p ? Math.Round((doneWeight * 100) + (p * weight), 2) : null,
            update.Fps,
            update.Speed,
            eta,
            update.BitrateKbps,
            update.TotalSizeBytes,
            update.OutTime?.TotalSeconds);
    }

    /// <summary>
    /// What one run shares between its steps and callbacks: the last progress (written by the progress callback on
    /// another thread) and the expected output duration once the probe knows it.
    /// </summary>
    private sealed partial class RunState(Job job, string workerId, RunContext run, RunMonitor monitor, string workspace, Func<string, string> sanitize, string inputFormats)
    {
        private double _seconds = double.NaN;

        /// <summary>Inputs copied into the workspace so far (names their staged files).</summary>
        public int StagedInputs;

        /// <summary>Presigned URLs given to ffmpeg, and the addresses logs show instead (a URL is a credential).</summary>
        private readonly List<(string Url, string Address)> _secrets = [];
        private JobProgress _last = new("starting", null, null, null, null, null, null, null);

        public Job Job => job;

        public string WorkerId => workerId;

        public RunContext Run => run;

        public RunMonitor Monitor => monitor;

        public string Workspace => workspace;

        /// <summary>Every media input's <c>-format_whitelist</c> on this machine, read once for the run.</summary>
        public string InputFormats => inputFormats;

        public JobProgress Last
        {
            get => Volatile.Read(ref _last);
            set => Volatile.Write(ref _last, value);
        }

        /// <summary>Why the probe beside ffmpeg rejected the input (set before it stops the run).</summary>
        public JobFailure? Rejection { get; set; }

        /// <summary>Set for <c>input_access: stream</c>: how long presigned input URLs must stay valid (the job's time limit and a margin).</summary>
        public TimeSpan? StreamFor { get; set; }

        public void Hide(string url, string address)
        {
            lock (_secrets)
            {
                _secrets.Add((url, address));
            }
        }

        public double? ExpectedSeconds
        {
            get => Volatile.Read(ref _seconds) is var s && double.IsNaN(s) ? null : s;
            set => Volatile.Write(ref _seconds, value ?? double.NaN);
        }

        /// <summary>Logs and errors name files by their virtual paths and the workspace as $WORKSPACE, never server directories.</summary>
        public string Clean(string text)
        {
            lock (_secrets)
            {
                foreach (var (url, address) in _secrets)
                {
                    text = text.Replace(url, address, StringComparison.Ordinal);
                }
            }

            return sanitize(text.Replace(workspace, "$WORKSPACE", StringComparison.Ordinal));
        }
    }

    private static async Task StopMonitorAsync(CancellationTokenSource stop, Task monitorTask)
    {
        await stop.CancelAsync();
        await monitorTask;
    }

    private void DeleteWorkspace(string workspace)
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
            // The startup sweeper removes what is left.
            LogWorkspaceCleanupFailed(logger, ex, workspace);
        }
    }

    private string Line(string message) =>
        $"[{clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)}] {message}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} started (attempt {Attempt})")]
    private static partial void LogStarted(ILogger logger, string jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ended {Status} {ErrorCode}")]
    private static partial void LogFinished(ILogger logger, string jobId, JobStatus status, string? errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} was no longer ours when ending it as {Status}")]
    private static partial void LogTransitionLost(ILogger logger, string jobId, JobStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} returned to the queue at shutdown")]
    private static partial void LogReleased(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove workspace {Workspace}")]
    private static partial void LogWorkspaceCleanupFailed(ILogger logger, Exception exception, string workspace);
}
