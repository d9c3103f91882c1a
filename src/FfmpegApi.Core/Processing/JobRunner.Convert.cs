using System.Globalization;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Commands.Filtergraph;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Process;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Core.Processing;

/// <summary>Conversion jobs: probe beside (or before) ffmpeg, plan, run the passes, re-plan after a measurement.</summary>
public sealed partial class JobRunner
{
    /// <summary>Plans and runs a conversion; returns the finished file in the workspace.</summary>
    private async Task<IReadOnlyList<string>> ConvertAsync(RunState state, JobSpec spec, ResolvedPath input, IReadOnlyList<ResolvedPath> outputs)
    {
        // ffprobe runs beside ffmpeg rather than before it: spawning it costs ~150 ms here, which would sit on
        // every job's start latency. ffmpeg starts with optional stream maps; when the probe answers, progress
        // gets its expected duration, and an unusable input stops the run with the probe's clear reason.
        // Plans that depend on the input (a fade timed from the end, overlays, measurement passes) probe first.
        var request = spec.Hardware ?? Media.Hardware.HardwareRequest.Default;
        var (device, session, notUsed) = await hardware.AcquireAsync(request);
        using var held = session;
        var probeFirst = JobPlanner.RequiresProbe(spec, device is not null);
        var probe = ProbeBesideAsync(spec, input.PhysicalPath, state);
        var info = probeFirst ? await ProbedOrThrowAsync(probe, state.Run) : null;
        var joined = new List<MediaInfo>();
        foreach (var file in spec.Operations.OfType<ConcatOperation>().SelectMany(c => c.Inputs))
        {
            joined.Add(await ProbeOrFailAsync(await ResolveInputAsync(file, state), state));
        }

        if (joined.Count > 0)
        {
            state.ExpectedSeconds = JobPlanner.ExpectedDuration(spec, info!, joined);
        }

        var capabilities = await tools.GetCapabilitiesAsync();
        var workFiles = outputs.Select((o, i) => Path.Combine(state.Workspace, $"output{(i == 0 ? string.Empty : i.ToString(CultureInfo.InvariantCulture))}{Path.GetExtension(o.PhysicalPath)}")).ToList();
        var context = new PlanContext(input.PhysicalPath, workFiles[0], capabilities.HasEncoder) { EncoderFor = capabilities.EncoderFor, ResolveFile = ResolveAsset, ExtraOutputFiles = workFiles[1..], ConcatInputs = joined, Hardware = device };
        if (HdrPassThrough.Source(info)?.ColorTransfer == "smpte2084" && HdrPassThrough.Applies(spec))
        {
            // HDR10 passes through: its static metadata (first frame) goes to the encoder, which ffmpeg 5.1 does not do.
            context = context with { HdrMetadata = await tools.HdrMetadataAsync(input.PhysicalPath, state.Run.Token) };
        }

        var (start, share) = (0.0, 1.0);
        var targeted = spec.Output.Video?.TargetVmaf is not null;
        if (targeted)
        {
            // A CRF found in software means nothing to a hardware encoder's quality scale: these jobs stay in software.
            context = context with { Hardware = null };
            spec = await SearchQualityAsync(state, spec, info!, context);
            (start, share) = (SearchShare, 1 - SearchShare - VerifyShare);
        }

        var plan = PlanOrFail(spec, info, context);
        if (plan.Hardware is null)
        {
            held?.Dispose();
        }

        await RecordHardwareAsync(state, request, plan, notUsed);
        try
        {
            await RunPlanAsync(state, spec, info, context, plan, probeFirst ? null : probe, start, share);
        }
        catch (JobFailure failure) when (!failure.Transient && FfmpegDiagnostics.Codes.Contains(failure.Code) && plan.Hardware is { } used)
        {
            // The device path failed (driver error, session limit, unsupported profile): once more, in software.
            held?.Dispose();
            var vendor = Media.Hardware.HardwareCatalog.Key(used.Device.Vendor);
            metrics.HardwareFallbacks.Add(1, new KeyValuePair<string, object?>("vendor", vendor));
            LogHardwareFallback(logger, state.Job.Id, used.Device.Name, failure.Message);
            context = context with { Hardware = null };
            plan = PlanOrFail(spec, info, context);
            await RecordHardwareAsync(state, request, plan, null, fellBack: true);
            await RunPlanAsync(state, spec, info, context, plan, probeFirst ? null : probe);
        }

        if (targeted)
        {
            await MeasureAchievedAsync(state, spec, info!, context, workFiles[0]);
        }

        return workFiles;
    }

    /// <summary>Runs a plan's passes in order; after a loudness measurement the rest is planned again with what it measured.</summary>
    private async Task RunPlanAsync(RunState state, JobSpec spec, MediaInfo? info, PlanContext context, JobPlan plan, Task<ProbeOutcome>? probe, double start = 0, double share = 1)
    {
        var passes = new Queue<PlannedPass>(plan.Passes);
        var doneWeight = start;
        while (passes.TryDequeue(out var pass))
        {
            var result = await RunPassAsync(state, pass with { Weight = pass.Weight * share }, doneWeight, probe);
            doneWeight += pass.Weight * share;
            if (pass.MeasuresLoudness)
            {
                var measured = LoudnessMeasurement.Parse(result.StderrTail)
                    ?? throw new JobFailure("INVALID_INPUT", "The input's loudness could not be measured (silent or unreadable audio).");
                state.Run.Log.Add(Line($"measured loudness: {measured.InputI.ToString(CultureInfo.InvariantCulture)} LUFS, true peak {measured.InputTp.ToString(CultureInfo.InvariantCulture)} dBTP"));
                passes = new Queue<PlannedPass>(PlanOrFail(spec, info, context with { Loudness = measured }).Passes);
            }
        }
    }

    /// <summary>Probes the input while ffmpeg runs; returns the failure to report when the input is unusable.</summary>
    private async Task<ProbeOutcome> ProbeBesideAsync(JobSpec spec, string inputPath, RunState state)
    {
        var run = state.Run;
        try
        {
            var (info, error) = await tools.ProbeAsync(inputPath, run.Token);
            JobFailure? failure = null;
            if (info is null)
            {
                failure = new JobFailure("INVALID_INPUT", state.Clean(InputRefusal.Explain("Input", error)));
            }
            else if (jobOptions.Value.Frames.Reject(info, "The input") is { } tooLarge)
            {
                failure = new JobFailure("INVALID_INPUT", tooLarge);
            }
            else
            {
                try
                {
                    StreamChecks.CheckStreams(spec, info);
                    state.ExpectedSeconds = JobPlanner.ExpectedDuration(spec, info);
                    run.Log.Add(Line($"input: {info.FormatName}, {info.DurationSeconds?.ToString("0.###", CultureInfo.InvariantCulture) ?? "unknown"} s, video {info.FirstVideo?.CodecName ?? "none"}, audio {info.FirstAudio?.CodecName ?? "none"}"));
                }
                catch (PlanningException ex)
                {
                    failure = new JobFailure("INVALID_INPUT", ex.Message);
                }
            }

            if (failure is not null)
            {
                // Recorded before the stop: a cached probe answers before ffmpeg even starts, and the run may end on
                // the cancellation (not on the probe's result), which must still report this failure.
                state.Rejection = failure;
                run.Stop(StopReason.InputRejected);
            }

            return new ProbeOutcome(info, failure);
        }
        catch (OperationCanceledException)
        {
            return new ProbeOutcome(null, null);
        }
    }

    private static JobPlan PlanOrFail(JobSpec spec, MediaInfo? info, PlanContext context)
    {
        try
        {
            return JobPlanner.Plan(spec, info, context);
        }
        catch (PlanningException ex)
        {
            throw new JobFailure("INVALID_OUTPUT", ex.Message);
        }
    }

    /// <summary>A file a spec names besides the input (e.g. a watermark image), re-checked against the sandbox and the size limit.</summary>
    private string ResolveAsset(string virtualPath) => ResolveLocalInput(virtualPath).PhysicalPath;

    /// <summary>Waits for the probe when the plan needs it; a rejected input fails the job before ffmpeg starts.</summary>
    private static async Task<MediaInfo> ProbedOrThrowAsync(Task<ProbeOutcome> probe, RunContext run)
    {
        var outcome = await probe;
        if (outcome.Failure is { } rejected)
        {
            throw rejected;
        }

        run.Token.ThrowIfCancellationRequested();
        return outcome.Info ?? throw new JobFailure("INVALID_INPUT", "The input could not be probed.");
    }

    private sealed record ProbeOutcome(MediaInfo? Info, JobFailure? Failure);
}
