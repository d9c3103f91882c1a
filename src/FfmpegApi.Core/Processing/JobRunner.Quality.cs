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
        var target = video.TargetVmaf!.Value;
        var scale = CrfSearch.ScaleFor(video.Codec) ?? throw new JobFailure("INVALID_OUTPUT", $"'{video.Codec}' has no CRF mode for a quality target.");
        var vmaf = await tools.GetVmafFfmpegAsync() ?? throw new JobFailure("VMAF_UNAVAILABLE", "This worker has no VMAF (a libvmaf ffmpeg and its model).");
        var options = qualityOptions.Value;
        var duration = JobPlanner.ExpectedDuration(info.DurationSeconds, spec.Operations.OfType<TrimOperation>().LastOrDefault())
            ?? throw new JobFailure("INVALID_INPUT", "A quality target needs an input of known duration.");
        var windows = CrfSearch.Windows(duration, options.Samples, options.SampleSeconds, info.FirstVideo?.FrameRate ?? 25);
        var dir = Path.Combine(state.Workspace, "quality");
        Directory.CreateDirectory(dir);
        var unit = SearchShare / (windows.Count * (1 + (2 * options.MaxTrials)));
        var done = 0.0;
        var references = new List<Sample>();
        for (var i = 0; i < windows.Count; i++)
        {
            var file = Path.Combine(dir, $"reference{i}.mkv");
            await RenderSampleAsync(state, spec, info, context, windows[i], Lossless(video), file, done, unit);
            done += unit;
            references.Add(new Sample(windows[i], file, await ProbeFileAsync(file, state)));
        }

        var trials = new List<CrfTrial>();
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
            state.Run.Log.Add(Line(string.Create(CultureInfo.InvariantCulture, $"quality search: crf {crf:0.##} → VMAF {trials[^1].Vmaf:0.##} (target {target:0.##})")));
        }

        var chosen = CrfSearch.Choose(trials, target, scale, options.Tolerance);
        state.Run.Log.Add(Line(string.Create(CultureInfo.InvariantCulture, $"quality search: encoding with crf {chosen:0.##} after {trials.Count} trial(s) on {windows.Count} sample(s)")));
        state.QualitySamples = references;
        state.Quality = new QualityResult(target, chosen, null, video.VmafMeasure ?? "samples", trials, windows);
        return spec with { Output = spec.Output with { Video = video with { FineCrf = chosen } } };
    }

    /// <summary>Scores the finished output against the references (the same windows, or a lossless render of all of it).</summary>
    private async Task MeasureAchievedAsync(RunState state, JobSpec spec, MediaInfo info, PlanContext context, string output)
    {
        var quality = state.Quality!;
        var vmaf = (await tools.GetVmafFfmpegAsync())!;
        var base0 = 1 - VerifyShare;
        List<(Sample Reference, (int, int)? Frames)> pairs;
        if (quality.MeasuredOn == "full")
        {
            var whole = new SampleWindow(0, JobPlanner.ExpectedDuration(info.DurationSeconds, spec.Operations.OfType<TrimOperation>().LastOrDefault()) ?? 0);
            var file = Path.Combine(state.Workspace, "quality", "reference-full.mkv");
            await RenderSampleAsync(state, spec, info, context, whole, Lossless(spec.Output.Video!), file, base0, VerifyShare / 2);
            pairs = [(new Sample(whole, file, await ProbeFileAsync(file, state)), null)];
        }
        else
        {
            var speed = JobPlanner.SpeedFactor(spec);
            pairs = [.. state.QualitySamples!.Select(r =>
            {
                var fps = r.Info.FirstVideo?.FrameRate ?? 25;
                var count = (int)Math.Round((r.Info.FirstVideo?.DurationSeconds ?? r.Info.DurationSeconds ?? r.Window.Duration / speed) * fps);
                return (r, ((int, int)?)((int)Math.Round(r.Window.Start / speed * fps), count));
            })];
        }

        var (sum, frames) = (0.0, 0);
        var unit = VerifyShare / 2 / pairs.Count;
        foreach (var (i, (reference, window)) in pairs.Index())
        {
            var score = await MeasureVmafAsync(state, output, reference, window, vmaf, base0 + (VerifyShare / 2) + (i * unit), unit);
            (sum, frames) = (sum + (score.Mean * score.Frames), frames + score.Frames);
        }

        var achieved = Math.Round(sum / Math.Max(1, frames), 2);
        state.Quality = quality with { AchievedVmaf = achieved };
        state.Run.Log.Add(Line(string.Create(CultureInfo.InvariantCulture, $"quality: the output scores VMAF {achieved:0.##} on {(quality.MeasuredOn == "full" ? "the whole file" : $"{pairs.Count} sample(s)")} (target {quality.TargetVmaf:0.##})")));
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
        var sample = spec with { Operations = operations, Output = new OutputSpec(file, "mkv", video, null), ExtraOutputs = [] };
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
            await RunPassAsync(state, pass with { Weight = weight }, baseWeight, null);
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

    private sealed partial class RunState
    {
        /// <summary>The quality search and result (null unless the job has a VMAF target).</summary>
        public QualityResult? Quality { get; set; }

        /// <summary>The search's reference windows, kept for measuring the output.</summary>
        public IReadOnlyList<Sample>? QualitySamples { get; set; }
    }
}
