using System.Globalization;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Media.Analysis;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Quality;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// Quality-targeted encodes (<c>output.video.target_vmaf</c>): lossless renders of a few sample windows through the
/// job's own pipeline are the references; trial encodes of the same windows at a few CRFs are scored with VMAF against
/// them; the CRF interpolated to meet the target encodes the whole file; the output's VMAF is then measured on the
/// same windows (or the whole file) and reported.
/// </summary>
public sealed partial class JobRunner
{
    /// <summary>Progress given to the search (references and trials) and to measuring the result.</summary>
    private const double SearchShare = 0.35;
    private const double VerifyShare = 0.1;

    /// <summary>Runs the CRF search; returns the spec with the chosen CRF (and records the search on the run).</summary>
    private async Task<JobSpec> SearchQualityAsync(RunState state, JobSpec spec, MediaInfo info, PlanContext context)
    {
        var video = spec.Output.Video!;
        var search = await SearchCrfAsync(state, spec, info, context, video, video.TargetVmaf!.Value, 0, SearchShare);
        state.QualitySamples = search.References;
        state.Quality = new QualityResult(video.TargetVmaf.Value, search.Crf, null, video.VmafMeasure ?? "samples", search.Trials, [.. search.References.Select(r => r.Window)]);
        return spec with { Output = spec.Output with { Video = video with { FineCrf = search.Crf } } };
    }

    /// <summary>
    /// The search itself for one encoder setting (<paramref name="video"/>, its size included): lossless references of
    /// the sample windows, then trials until one meets the target, the bracket closes or the trials run out.
    /// </summary>
    private async Task<CrfSearchOutcome> SearchCrfAsync(RunState state, JobSpec spec, MediaInfo info, PlanContext context, VideoSpec video, double target, double start, double share)
    {
        var scale = CrfSearch.ScaleFor(video.Codec) ?? throw new JobFailure("INVALID_OUTPUT", $"'{video.Codec}' has no CRF mode for a quality target.");
        var vmaf = await tools.GetVmafFfmpegAsync() ?? throw new JobFailure("VMAF_UNAVAILABLE", "This worker has no VMAF (a libvmaf ffmpeg and its model).");
        var options = qualityOptions.Value;
        var duration = JobPlanner.ExpectedDuration(info.DurationSeconds, spec.Operations.OfType<TrimOperation>().LastOrDefault())
            ?? throw new JobFailure("INVALID_INPUT", "A quality target needs an input of known duration.");
        var windows = CrfSearch.Windows(duration, options.Samples, options.SampleSeconds, info.FirstVideo?.FrameRate ?? 25);
        var dir = Path.Combine(state.Workspace, "quality", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var unit = share / (windows.Count * (1 + (2 * options.MaxTrials)));
        var done = start;
        var references = new List<Sample>();
        for (var i = 0; i < windows.Count; i++)
        {
            var file = Path.Combine(dir, $"reference{i}.mkv");
            await RenderSampleAsync(state, spec, info, context, windows[i], Lossless(video), file, done, unit);
            done += unit;
            references.Add(new Sample(windows[i], file, await ProbeFileAsync(file, state)));
        }

        var trials = new List<CrfTrial>();
        var size = video.Width is { } w && video.Height is { } h ? $" at {w}x{h}" : string.Empty;
        while (trials.Count < options.MaxTrials && CrfSearch.Next(trials, target, scale, options.Tolerance) is { } crf)
        {
            var (sum, frames) = (0.0, 0);
            foreach (var reference in references)
            {
                var file = Path.Combine(dir, $"trial{trials.Count}.mkv");
                await RenderSampleAsync(state, spec, info, context, reference.Window, video with { FineCrf = crf, Crf = null, TargetVmaf = null }, file, done, unit);
                var score = await MeasureVmafAsync(state, file, reference, null, vmaf, done + unit, unit);
                (sum, frames, done) = (sum + (score.Mean * score.Frames), frames + score.Frames, done + (2 * unit));
                File.Delete(file);
            }

            trials.Add(new CrfTrial(crf, Math.Round(sum / Math.Max(1, frames), 2)));
            state.Run.Log.Add(Line(string.Create(CultureInfo.InvariantCulture, $"quality search{size}: crf {crf:0.##} → VMAF {trials[^1].Vmaf:0.##} (target {target:0.##})")));
        }

        var chosen = CrfSearch.Choose(trials, target, scale, options.Tolerance);
        state.Run.Log.Add(Line(string.Create(CultureInfo.InvariantCulture, $"quality search{size}: encoding with crf {chosen:0.##} after {trials.Count} trial(s) on {windows.Count} sample(s)")));
        return new CrfSearchOutcome(chosen, trials, references);
    }

    /// <summary>Scores the finished output against the references (the same windows, or a lossless render of all of it).</summary>
    private async Task MeasureAchievedAsync(RunState state, JobSpec spec, MediaInfo info, PlanContext context, string output)
    {
        var quality = state.Quality!;
        var base0 = 1 - VerifyShare;
        IReadOnlyList<Sample> references = state.QualitySamples!;
        var full = quality.MeasuredOn == "full";
        if (full)
        {
            var whole = new SampleWindow(0, JobPlanner.ExpectedDuration(info.DurationSeconds, spec.Operations.OfType<TrimOperation>().LastOrDefault()) ?? 0);
            var file = Path.Combine(state.Workspace, "quality", "reference-full.mkv");
            await RenderSampleAsync(state, spec, info, context, whole, Lossless(spec.Output.Video!), file, base0, VerifyShare / 2);
            references = [new Sample(whole, file, await ProbeFileAsync(file, state))];
        }

        var achieved = await MeasureWindowsAsync(state, output, references, full ? null : JobPlanner.SpeedFactor(spec), base0 + (VerifyShare / 2), VerifyShare / 2);
        state.Quality = quality with { AchievedVmaf = achieved };
        state.Run.Log.Add(Line(string.Create(CultureInfo.InvariantCulture, $"quality: the output scores VMAF {achieved:0.##} on {(full ? "the whole file" : $"{references.Count} sample(s)")} (target {quality.TargetVmaf:0.##})")));
    }

    /// <summary>
    /// VMAF of an encoded file against reference windows, pooled over their frames. With <paramref name="speed"/> each
    /// reference is compared with the frames of the file its window became (windows start on frame boundaries);
    /// without, the whole file is compared with the one reference.
    /// </summary>
    private async Task<double> MeasureWindowsAsync(RunState state, string encoded, IReadOnlyList<Sample> references, double? speed, double start, double share)
    {
        var vmaf = (await tools.GetVmafFfmpegAsync())!;
        var (sum, frames) = (0.0, 0);
        var unit = share / references.Count;
        foreach (var (i, reference) in references.Index())
        {
            (int, int)? window = null;
            if (speed is { } factor)
            {
                var fps = reference.Info.FirstVideo?.FrameRate ?? 25;
                var count = (int)Math.Round((reference.Info.FirstVideo?.DurationSeconds ?? reference.Info.DurationSeconds ?? reference.Window.Duration / factor) * fps);
                window = ((int)Math.Round(reference.Window.Start / factor * fps), count);
            }

            var score = await MeasureVmafAsync(state, encoded, reference, window, vmaf, start + (i * unit), unit);
            (sum, frames) = (sum + (score.Mean * score.Frames), frames + score.Frames);
        }

        return Math.Round(sum / Math.Max(1, frames), 2);
    }

    /// <summary>The reference's encoder: lossless H.264 of the same size, rate and pixel format the output gets.</summary>
    private static VideoSpec Lossless(VideoSpec video) => new("h264", "ultrafast", 0, null, video.Width, video.Height, video.Fps)
    {
        PixelFormat = video.PixelFormat is { } format && EncoderOptions.PixelFormats["h264"].Contains(format) ? format : null,
    };

    /// <summary>The job's pipeline over one window of the input, video only, into a workspace file.</summary>
    private async Task RenderSampleAsync(RunState state, JobSpec spec, MediaInfo info, PlanContext context, SampleWindow window, VideoSpec video, string file, double baseWeight, double weight)
    {
        var trim = spec.Operations.OfType<TrimOperation>().LastOrDefault();
        var windowed = new TrimOperation((trim?.Start ?? 0) + window.Start, window.Duration);
        var operations = trim is null ? [windowed, .. spec.Operations] : spec.Operations.Select(o => o == trim ? windowed : o).ToList();
        var sample = spec with { Operations = operations, Output = new OutputSpec(file, "mkv", video, null), ExtraOutputs = [], Streaming = null };
        var plan = PlanOrFail(sample, info, context with { OutputFile = file, ExtraOutputFiles = [], Hardware = null });
        foreach (var pass in plan.Passes)
        {
            await RunWithinAsync(state, pass with { Stage = "analyzing" }, baseWeight, weight / plan.Passes.Count, window.Duration / JobPlanner.SpeedFactor(spec));
        }
    }

    /// <summary>VMAF of <paramref name="distorted"/> (optionally a window of its frames) against a reference sample.</summary>
    private async Task<MetricSummary> MeasureVmafAsync(RunState state, string distorted, Sample reference, (int Start, int Count)? frames, string vmaf, double baseWeight, double weight)
    {
        var work = Path.Combine(Path.GetDirectoryName(reference.File)!, "vmaf-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var context = new AnalysisContext(distorted, reference.File, work, AnalysisThreads()) { VmafFfmpeg = vmaf, VmafModel = tools.VmafModelPath, DistortedFrames = frames };
            var plan = AnalysisPlanner.Plan(new AnalysisSpec(reference.File, ["vmaf"]), await ProbeFileAsync(distorted, state), reference.Info, context);
            foreach (var pass in plan.Passes)
            {
                await RunWithinAsync(state, pass, baseWeight, weight, plan.ExpectedDurationSeconds);
            }

            return MetricLogs.Pool(await ReadMetricAsync("vmaf", work)) ?? throw new JobFailure("ANALYSIS_FAILED", "VMAF measured no frames of a quality sample.");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>One pass of a sub-step: its own expected duration for the percentage, its slice of the job's bar.</summary>
    private async Task RunWithinAsync(RunState state, PlannedPass pass, double baseWeight, double weight, double? expectedSeconds)
    {
        var saved = state.ExpectedSeconds;
        state.ExpectedSeconds = expectedSeconds;
        try
        {
            await RunPassAsync(state, pass with { Weight = weight }, baseWeight, null, quiet: true);
        }
        finally
        {
            state.ExpectedSeconds = saved;
        }
    }

    private async Task<MediaInfo> ProbeFileAsync(string file, RunState state)
    {
        var (info, error) = await tools.ProbeAsync(file, state.Run.Token);
        return info ?? throw new JobFailure("PROCESSING_ERROR", $"A quality sample could not be read back: {state.Clean(error ?? "unknown error")}");
    }

    /// <summary>A rendered reference window: where it lies in the input, its file and its probe.</summary>
    private sealed record Sample(SampleWindow Window, string File, MediaInfo Info);

    /// <summary>What a search found: the CRF to use, every trial, and the references (kept to measure the result).</summary>
    private sealed record CrfSearchOutcome(double Crf, IReadOnlyList<CrfTrial> Trials, IReadOnlyList<Sample> References);

    private sealed partial class RunState
    {
        /// <summary>The quality search and result (null unless the job has a VMAF target).</summary>
        public QualityResult? Quality { get; set; }

        /// <summary>The search's reference windows, kept for measuring the output.</summary>
        public IReadOnlyList<Sample>? QualitySamples { get; set; }
    }
}
