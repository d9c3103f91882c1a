using System.Globalization;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing;

/// <summary>ffprobe for a run: an input checked before planning, or beside ffmpeg; both refuse unusable inputs clearly.</summary>
internal sealed class InputProbe(FfmpegTools tools, StorageMounts mounts, IOptions<JobOptions> jobOptions)
{
    /// <summary>Probes a file the job reads; an unreadable or oversized one fails the job with the reason.</summary>
    public async Task<MediaInfo> ProbeOrFailAsync(ResolvedPath file, CancellationToken cancellationToken)
    {
        var (info, error) = await tools.ProbeAsync(file.PhysicalPath, cancellationToken);
        if (info is null)
        {
            throw new JobFailure("INVALID_INPUT", mounts.Sanitize(InputRefusal.Explain(file.VirtualPath, error)));
        }

        return jobOptions.Value.Frames.Reject(info, file.VirtualPath) is { } tooLarge ? throw new JobFailure("INVALID_INPUT", tooLarge) : info;
    }

    /// <summary>
    /// Probes the input while ffmpeg runs; an input that is unreadable or fails <paramref name="check"/> stops the run
    /// (<see cref="StopReason.InputRejected"/>) and the outcome carries the failure to report.
    /// </summary>
    public async Task<ProbeOutcome> ProbeBesideAsync(JobRun run, string inputPath, Func<MediaInfo, JobFailure?> check, CancellationToken cancellationToken)
    {
        try
        {
            var (info, error) = await tools.ProbeAsync(inputPath, cancellationToken);
            var failure = info is null ? new JobFailure("INVALID_INPUT", run.Clean(InputRefusal.Explain("Input", error))) : check(info);
            if (failure is not null)
            {
                // Recorded before the stop: a cached probe answers before ffmpeg even starts, and the run may end on
                // the cancellation (not on the probe's result), which must still report this failure.
                run.Rejection = failure;
                run.Stop(StopReason.InputRejected);
            }

            return new ProbeOutcome(info, failure);
        }
        catch (OperationCanceledException)
        {
            return new ProbeOutcome(null, null);
        }
    }

    /// <summary>
    /// The checks a usable input passes beside ffmpeg (frame size, the streams the outputs need); sets the run's
    /// expected duration. Returns the failure that rejects it, or null.
    /// </summary>
    public JobFailure? Check(JobRun run, ConvertSpec spec, MediaInfo info)
    {
        if (CheckFrames(info) is { } tooLarge)
        {
            return tooLarge;
        }

        try
        {
            StreamChecks.CheckStreams(spec, info);
            run.ExpectedSeconds = JobPlanner.ExpectedDuration(spec, info);
            run.Log($"input: {info.FormatName}, {info.DurationSeconds?.ToString("0.###", CultureInfo.InvariantCulture) ?? "unknown"} s, video {info.FirstVideo?.CodecName ?? "none"}, audio {info.FirstAudio?.CodecName ?? "none"}");
            return null;
        }
        catch (PlanningException ex)
        {
            return new JobFailure("INVALID_INPUT", ex.Message);
        }
    }

    /// <summary>An input whose frames are larger than this server processes (Jobs:MaxWidth/MaxHeight), or null.</summary>
    public JobFailure? CheckFrames(MediaInfo info) =>
        jobOptions.Value.Frames.Reject(info, "The input") is { } tooLarge ? new JobFailure("INVALID_INPUT", tooLarge) : null;

    /// <summary>Waits for the probe when the plan needs it; a rejected input fails the job before ffmpeg starts.</summary>
    public static async Task<MediaInfo> ProbedOrThrowAsync(Task<ProbeOutcome> probe, CancellationToken cancellationToken)
    {
        var outcome = await probe;
        if (outcome.Failure is { } rejected)
        {
            throw rejected;
        }

        cancellationToken.ThrowIfCancellationRequested();
        return outcome.Info ?? throw new JobFailure("INVALID_INPUT", "The input could not be probed.");
    }
}

/// <summary>What the probe beside ffmpeg found: the input's facts, or the failure that rejected it.</summary>
internal sealed record ProbeOutcome(MediaInfo? Info, JobFailure? Failure);
