using System.Globalization;
using System.Text.Json;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Commands.Filtergraph;
using FfmpegApi.Media.Hardware;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Process;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Core.Processing.Kinds;

/// <summary>
/// Conversions (one or more outputs from one decode): probe beside (or before) ffmpeg, take a hardware device when one
/// serves, search a CRF for a quality target, run the passes (again in software when a device path fails), re-plan
/// after a loudness measurement, and measure the achieved quality.
/// </summary>
internal sealed class ConvertHandler(
    Hardware.HardwareService hardware,
    HardwareRecorder recorder,
    FfmpegTools tools,
    InputResolver inputs,
    InputProbe probes,
    PassRunner passes,
    CrfSearcher quality) : JobHandler<ConvertSpec>
{
    public override async Task<JobProduct> RunAsync(JobRun run, ConvertSpec spec, ResolvedPath input, ResolvedPath output, CancellationToken cancellationToken)
    {
        ResolvedPath[] outputs = [output, .. spec.ExtraOutputs.Select(o => inputs.ResolveOutput(o.Path, run.Workspace))];

        // No ffprobe before ffmpeg (spawning it costs ~150 ms here, which would sit on every job): ffmpeg starts with
        // optional stream maps, and its own description of the input (stderr) gives progress its expected duration and
        // stops an unusable input with a clear reason (InputWatch). Plans that depend on the input (a fade timed from
        // the end, overlays, measurement passes) probe first.
        var request = spec.Hardware ?? HardwareRequest.Default;
        var (device, session, notUsed) = await hardware.AcquireAsync(request);
        using var held = session;
        var probeFirst = JobPlanner.RequiresProbe(spec, device is not null);
        JobFailure? Check(MediaInfo described) => probes.Check(run, spec, described);
        var info = probeFirst ? await InputProbe.ProbedOrThrowAsync(probes.ProbeBesideAsync(run, input.PhysicalPath, Check, cancellationToken), cancellationToken) : null;
        var watch = probeFirst ? null : new InputWatch(probes, run, input.PhysicalPath, Check, cancellationToken);
        var joined = new List<MediaInfo>();
        foreach (var file in spec.Operations.OfType<ConcatOperation>().SelectMany(c => c.Inputs))
        {
            joined.Add(await probes.ProbeOrFailAsync(await inputs.ResolveInputAsync(run, file, cancellationToken), cancellationToken));
        }

        if (joined.Count > 0)
        {
            run.ExpectedSeconds = JobPlanner.ExpectedDuration(spec, info!, joined);
        }

        var capabilities = await tools.GetCapabilitiesAsync();
        var workFiles = outputs.Select((o, i) => Path.Combine(run.Workspace, $"output{(i == 0 ? string.Empty : i.ToString(CultureInfo.InvariantCulture))}{Path.GetExtension(o.PhysicalPath)}")).ToList();
        var context = new PlanContext(input.PhysicalPath, workFiles[0], capabilities.HasEncoder)
        {
            EncoderFor = capabilities.EncoderFor,
            ResolveFile = path => inputs.ResolveLocalInput(path).PhysicalPath,
            ExtraOutputFiles = workFiles[1..],
            ConcatInputs = joined,
            Hardware = device,
        };
        if (HdrPassThrough.Source(info)?.ColorTransfer == "smpte2084" && HdrPassThrough.Applies(spec))
        {
            // HDR10 passes through: its static metadata (first frame) goes to the encoder, which ffmpeg 5.1 does not do.
            context = context with { HdrMetadata = await tools.HdrMetadataAsync(input.PhysicalPath, cancellationToken) };
        }

        var (start, share) = (0.0, 1.0);
        QualityResult? achieved = null;
        IReadOnlyList<QualitySample> samples = [];
        if (spec.Output.Video is { TargetVmaf: { } target } video)
        {
            // A CRF found in software means nothing to a hardware encoder's quality scale: these jobs stay in software.
            context = context with { Hardware = null };
            var search = await quality.SearchAsync(run, spec, info!, context, video, target, 0, spec.Shares.Search, cancellationToken);
            samples = search.References;
            achieved = new QualityResult(target, search.Crf, null, video.VmafMeasure ?? "samples", search.Trials, [.. search.References.Select(r => r.Window)]);
            context = context with { FineCrf = search.Crf };
            (start, share) = (spec.Shares.Search, spec.Shares.Work);
        }

        var plan = Plan(spec, info, context);
        if (plan.Hardware is null)
        {
            held?.Dispose();
        }

        await recorder.RecordAsync(run, request, plan, notUsed, cancellationToken);
        MediaInfo? written;
        try
        {
            written = await RunPlanAsync(run, spec, info, context, plan, watch, start, share, cancellationToken);
        }
        catch (JobFailure failure) when (!failure.Transient && FfmpegDiagnostics.Codes.Contains(failure.Code) && plan.Hardware is { } used)
        {
            // The device path failed (driver error, session limit, unsupported profile): once more, in software.
            held?.Dispose();
            recorder.FellBack(run, used.Device, failure.Message);
            context = context with { Hardware = null };
            plan = Plan(spec, info, context);
            await recorder.RecordAsync(run, request, plan, null, cancellationToken, fellBack: true);
            written = await RunPlanAsync(run, spec, info, context, plan, watch, 0, 1, cancellationToken);
        }

        if (achieved is not null)
        {
            achieved = await quality.MeasureAchievedAsync(run, spec, info!, context, workFiles[0], achieved, samples, cancellationToken);
        }

        return new ConvertProduct([.. workFiles.Zip(outputs)], achieved, written);
    }

    /// <summary>
    /// Runs a plan's passes in order; after a loudness measurement the rest is planned again with what it measured.
    /// Returns the output's facts as the last pass described writing it (null: read it back).
    /// </summary>
    private async Task<MediaInfo?> RunPlanAsync(JobRun run, ConvertSpec spec, MediaInfo? info, PlanContext context, JobPlan plan, InputWatch? watch, double start, double share, CancellationToken cancellationToken)
    {
        var queued = new Queue<PlannedPass>(plan.Passes);
        var doneWeight = start;
        while (queued.TryDequeue(out var pass))
        {
            var result = await passes.RunAsync(run, pass with { Weight = pass.Weight * share }, doneWeight, watch, cancellationToken);
            doneWeight += pass.Weight * share;
            if (pass.MeasuresLoudness)
            {
                var measured = LoudnessMeasurement.Parse(result.StderrTail)
                    ?? throw new JobFailure("INVALID_INPUT", "The input's loudness could not be measured (silent or unreadable audio).");
                run.Log($"measured loudness: {measured.InputI.ToString(CultureInfo.InvariantCulture)} LUFS, true peak {measured.InputTp.ToString(CultureInfo.InvariantCulture)} dBTP");
                queued = new Queue<PlannedPass>(Plan(spec, info, context with { Loudness = measured }).Passes);
            }
        }

        return WrittenOutput.Of(run.Header, run.Last.OutTimeSeconds);
    }

    private static JobPlan Plan(ConvertSpec spec, MediaInfo? info, PlanContext context) =>
        JobFailure.Planned("INVALID_OUTPUT", () => JobPlanner.Plan(spec, info, context));

    /// <summary>
    /// The converted files and where each goes; a result document when there are several or a quality target.
    /// <paramref name="written"/>: the facts of a single output as ffmpeg described it (several are read back).
    /// </summary>
    private sealed class ConvertProduct(IReadOnlyList<(string File, ResolvedPath Destination)> files, QualityResult? quality, MediaInfo? written) : JobProduct
    {
        public override async Task<PublishedOutput> PublishAsync(OutputPublisher publisher, CancellationToken cancellationToken)
        {
            var published = new List<OutputMetadata>();
            foreach (var (file, destination) in files)
            {
                published.Add(await publisher.PublishAsync(file, destination, cancellationToken, files.Count == 1 ? written : null));
            }

            var result = published.Count > 1 || quality is not null ? JsonSerializer.Serialize(new ConvertResult(published) { Quality = quality }, JsonDefaults.Options) : null;
            return new PublishedOutput(published[0], result) { TotalBytes = published.Sum(p => p.SizeBytes) };
        }
    }
}
