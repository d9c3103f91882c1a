using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Queue;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Process;
using FfmpegApi.Media.Progress;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// Runs one planned ffmpeg pass of a job with its progress mapped onto the job's bar, its stderr in the job's log, and
/// its failure diagnosed into a <see cref="JobFailure"/>. Upscale passes go through <see cref="UpscalePassRunner"/>.
/// </summary>
internal sealed class PassRunner(FfmpegTools tools, UpscalePassRunner upscaler, JobMetrics metrics, IOptions<JobOptions> jobOptions)
{
    /// <summary>
    /// Runs <paramref name="pass"/>, which covers [<paramref name="baseWeight"/>, baseWeight + pass.Weight] of the bar.
    /// An <paramref name="inputWatch"/> checks the input from ffmpeg's description of it and ends the pass with its
    /// reason when it is unusable. ffmpeg's description of its files is kept in <see cref="JobRun.Header"/>. Quiet passes
    /// (many per job, such as quality samples) keep their stderr out of the log unless they fail.
    /// </summary>
    public async Task<ProcessRunResult> RunAsync(JobRun run, PlannedPass pass, double baseWeight, InputWatch? inputWatch, CancellationToken cancellationToken, Func<Stream, Task>? stdin = null, bool quiet = false)
    {
        if (pass.Upscale is not null && stdin is null)
        {
            return await upscaler.RunAsync(run, pass, (encoderInput, ct) => RunAsync(run, pass, baseWeight, inputWatch, ct, encoderInput), cancellationToken);
        }

        var args = pass.Arguments(run.InputFormats);
        var header = new FfmpegHeader();
        inputWatch?.Follow(header);
        run.Log("ffmpeg " + run.Clean(FfmpegCommand.ForLog(args, run.InputFormats)));
        var result = await FfmpegProcess.RunAsync(
            new FfmpegRunOptions(pass.Executable ?? tools.FfmpegPath, args)
            {
                OnStarted = pid =>
                {
                    if (baseWeight == 0)
                    {
                        metrics.StartLatency.Record((run.Clock.GetUtcNow().UtcDateTime - run.Job.CreatedAt).TotalMilliseconds);
                    }

                    run.Report(run.Last with { Stage = pass.Stage, Percent = run.ExpectedSeconds is > 0 ? Math.Round(baseWeight * 100, 2) : null });
                    run.Log($"ffmpeg started (pid {pid})");
                },
                OnProgress = update => run.Report(ToProgress(update, run.ExpectedSeconds, pass.Stage, baseWeight, pass.Weight)),
                StopGracePeriod = TimeSpan.FromSeconds(jobOptions.Value.StopGraceSeconds),
                StandardInput = stdin,
                OnStderrLine = header.Add,
            },
            cancellationToken);
        header.Complete();
        run.Header = header;
        foreach (var line in quiet && result.Succeeded ? [] : result.StderrTail)
        {
            run.LogRaw(run.Clean(line));
        }

        if (inputWatch is not null && await inputWatch.FailureAsync(!result.Succeeded && !result.Stopped) is { } rejected)
        {
            throw rejected;
        }

        if (result.Stopped)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        if (result.Killed)
        {
            throw new JobFailure("FFMPEG_KILLED", $"ffmpeg was killed (exit code {result.ExitCode}; out of memory?).", transient: true);
        }

        if (result.Succeeded)
        {
            return result;
        }

        var diagnosis = FfmpegDiagnostics.Diagnose(result.StderrTail, result.ExitCode, run.Last.OutTimeSeconds);
        throw new JobFailure(diagnosis.Code, $"ffmpeg failed: {run.Clean(diagnosis.Reason)}", diagnosis.Transient);
    }

    /// <summary>One pass of a sub-step (quiet): its own expected duration for the percentage, its slice of the job's bar.</summary>
    public async Task RunWithinAsync(JobRun run, PlannedPass pass, double baseWeight, double weight, double? expectedSeconds, CancellationToken cancellationToken)
    {
        var saved = run.ExpectedSeconds;
        run.ExpectedSeconds = expectedSeconds;
        try
        {
            await RunAsync(run, pass with { Weight = weight }, baseWeight, null, cancellationToken, quiet: true);
        }
        finally
        {
            run.ExpectedSeconds = saved;
        }
    }

    /// <summary>Runs passes one after another, each over its own weight of the bar from <paramref name="start"/>.</summary>
    public async Task RunAllAsync(JobRun run, IEnumerable<PlannedPass> passes, double start, CancellationToken cancellationToken)
    {
        var done = start;
        foreach (var pass in passes)
        {
            await RunAsync(run, pass, done, null, cancellationToken);
            done += pass.Weight;
        }
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
}
