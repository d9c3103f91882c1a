using System.Globalization;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Media.Analysis;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Quality;
using FfmpegApi.Media.Specs;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing.Kinds;

/// <summary>
/// Quality-targeted encodes (<c>target_vmaf</c>): lossless renders of a few sample windows through the job's own
/// pipeline are the references; trial encodes of the same windows at a few CRFs are scored with VMAF against them; the
/// CRF interpolated to meet the target is chosen. Afterwards the output's VMAF is measured on the same windows (or the
/// whole file). Used by conversions and, per rung, by per-title ladders.
/// </summary>
internal sealed class CrfSearcher(FfmpegTools tools, PassRunner passes, IOptions<QualityOptions> qualityOptions, IOptions<WorkerOptions> workerOptions)
{
    /// <summary>
    /// The search for one encoder setting (<paramref name="video"/>, its size included): lossless references of the
    /// sample windows, then trials until one meets the target, the bracket closes or the trials run out.
    /// </summary>
    public async Task<CrfSearchOutcome> SearchAsync(JobRun run, ConvertSpec spec, MediaInfo info, PlanContext context, VideoSpec video, double target, double start, double share, CancellationToken cancellationToken)
    {
        var scale = CrfSearch.ScaleFor(video.Codec) ?? throw new JobFailure("INVALID_OUTPUT", $"'{video.Codec}' has no CRF mode for a quality target.");
        var vmaf = await tools.GetVmafFfmpegAsync() ?? throw new JobFailure("VMAF_UNAVAILABLE", "This worker has no VMAF (a libvmaf ffmpeg and its model).");
        var options = qualityOptions.Value;
        var duration = JobPlanner.ExpectedDuration(info.DurationSeconds, spec.Operations.OfType<TrimOperation>().LastOrDefault())
            ?? throw new JobFailure("INVALID_INPUT", "A quality target needs an input of known duration.");
        var windows = CrfSearch.Windows(duration, options.Samples, options.SampleSeconds, info.FirstVideo?.FrameRate ?? 25);
        var dir = Path.Combine(run.Workspace, "quality", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var unit = share / (windows.Count * (1 + (2 * options.MaxTrials)));
        var done = start;
        var references = new List<QualitySample>();
        for (var i = 0; i < windows.Count; i++)
        {
            var file = Path.Combine(dir, $"reference{i}.mkv");
            await RenderSampleAsync(run, spec, info, context, windows[i], Lossless(video), file, done, unit, cancellationToken);
            done += unit;
            references.Add(new QualitySample(windows[i], file, await ProbeFileAsync(run, file, cancellationToken)));
        }

        var trials = new List<CrfTrial>();
        var size = video.Width is { } w && video.Height is { } h ? $" at {w}x{h}" : string.Empty;
        while (trials.Count < options.MaxTrials && CrfSearch.Next(trials, target, scale, options.Tolerance) is { } crf)
        {
            var (sum, frames) = (0.0, 0);
            foreach (var reference in references)
            {
                var file = Path.Combine(dir, $"trial{trials.Count}.mkv");
                await RenderSampleAsync(run, spec, info, context, reference.Window, video with { Crf = null, TargetVmaf = null }, file, done, unit, cancellationToken, crf);
                var score = await MeasureVmafAsync(run, file, reference, null, vmaf, done + unit, unit, cancellationToken);
                (sum, frames, done) = (sum + (score.Mean * score.Frames), frames + score.Frames, done + (2 * unit));
                File.Delete(file);
            }

            trials.Add(new CrfTrial(crf, Math.Round(sum / Math.Max(1, frames), 2)));
            run.Log(string.Create(CultureInfo.InvariantCulture, $"quality search{size}: crf {crf:0.##} → VMAF {trials[^1].Vmaf:0.##} (target {target:0.##})"));
        }

        var chosen = CrfSearch.Choose(trials, target, scale, options.Tolerance);
        run.Log(string.Create(CultureInfo.InvariantCulture, $"quality search{size}: encoding with crf {chosen:0.##} after {trials.Count} trial(s) on {windows.Count} sample(s)"));
        return new CrfSearchOutcome(chosen, trials, references);
    }

    /// <summary>Scores a conversion's output against the search's references (the same windows, or a lossless render of all of it).</summary>
    public async Task<QualityResult> MeasureAchievedAsync(JobRun run, ConvertSpec spec, MediaInfo info, PlanContext context, string output, QualityResult quality, IReadOnlyList<QualitySample> samples, CancellationToken cancellationToken)
    {
        var verify = spec.Shares.Verify;
        var base0 = 1 - verify;
        var references = samples;
        var full = quality.MeasuredOn == "full";
        if (full)
        {
            var whole = new SampleWindow(0, JobPlanner.ExpectedDuration(info.DurationSeconds, spec.Operations.OfType<TrimOperation>().LastOrDefault()) ?? 0);
            var file = Path.Combine(run.Workspace, "quality", "reference-full.mkv");
            await RenderSampleAsync(run, spec, info, context, whole, Lossless(spec.Output.Video!), file, base0, verify / 2, cancellationToken);
            references = [new QualitySample(whole, file, await ProbeFileAsync(run, file, cancellationToken))];
        }

        var achieved = await MeasureWindowsAsync(run, output, references, full ? null : JobPlanner.SpeedFactor(spec), base0 + (verify / 2), verify / 2, cancellationToken);
        run.Log(string.Create(CultureInfo.InvariantCulture, $"quality: the output scores VMAF {achieved:0.##} on {(full ? "the whole file" : $"{references.Count} sample(s)")} (target {quality.TargetVmaf:0.##})"));
        return quality with { AchievedVmaf = achieved };
    }

    /// <summary>
    /// VMAF of an encoded file against reference windows, pooled over their frames. With <paramref name="speed"/> each
    /// reference is compared with the frames of the file its window became (windows start on frame boundaries);
    /// without, the whole file is compared with the one reference.
    /// </summary>
    public async Task<double> MeasureWindowsAsync(JobRun run, string encoded, IReadOnlyList<QualitySample> references, double? speed, double start, double share, CancellationToken cancellationToken)
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

            var score = await MeasureVmafAsync(run, encoded, reference, window, vmaf, start + (i * unit), unit, cancellationToken);
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
    private async Task RenderSampleAsync(JobRun run, ConvertSpec spec, MediaInfo info, PlanContext context, SampleWindow window, VideoSpec video, string file, double baseWeight, double weight, CancellationToken cancellationToken, double? crf = null)
    {
        var trim = spec.Operations.OfType<TrimOperation>().LastOrDefault();
        var windowed = new TrimOperation((trim?.Start ?? 0) + window.Start, window.Duration);
        var operations = trim is null ? [windowed, .. spec.Operations] : spec.Operations.Select(o => o == trim ? windowed : o).ToList();
        var sample = spec with { Operations = operations, Output = new OutputSpec(file, "mkv", video, null), ExtraOutputs = [] };
        var plan = JobFailure.Planned("INVALID_OUTPUT", () => JobPlanner.Plan(sample, info, context with { OutputFile = file, ExtraOutputFiles = [], Hardware = null, FineCrf = crf }));
        foreach (var pass in plan.Passes)
        {
            await passes.RunWithinAsync(run, pass with { Stage = "analyzing" }, baseWeight, weight / plan.Passes.Count, window.Duration / JobPlanner.SpeedFactor(spec), cancellationToken);
        }
    }

    /// <summary>VMAF of <paramref name="distorted"/> (optionally a window of its frames) against a reference sample.</summary>
    private async Task<MetricSummary> MeasureVmafAsync(JobRun run, string distorted, QualitySample reference, (int Start, int Count)? frames, string vmaf, double baseWeight, double weight, CancellationToken cancellationToken)
    {
        var work = Path.Combine(Path.GetDirectoryName(reference.File)!, "vmaf-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var context = new AnalysisContext(distorted, reference.File, work, MetricFiles.Threads(workerOptions.Value)) { VmafFfmpeg = vmaf, VmafModel = tools.VmafModelPath, DistortedFrames = frames };
            var plan = AnalysisPlanner.Plan(new AnalysisSpec(reference.File, ["vmaf"]), await ProbeFileAsync(run, distorted, cancellationToken), reference.Info, context);
            foreach (var pass in plan.Passes)
            {
                await passes.RunWithinAsync(run, pass, baseWeight, weight, plan.ExpectedDurationSeconds, cancellationToken);
            }

            return MetricLogs.Pool(await MetricFiles.ReadAsync("vmaf", work, cancellationToken)) ?? throw new JobFailure("ANALYSIS_FAILED", "VMAF measured no frames of a quality sample.");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private async Task<MediaInfo> ProbeFileAsync(JobRun run, string file, CancellationToken cancellationToken)
    {
        var (info, error) = await tools.ProbeAsync(file, cancellationToken);
        return info ?? throw new JobFailure("PROCESSING_ERROR", $"A quality sample could not be read back: {run.Clean(error ?? "unknown error")}");
    }
}

/// <summary>A rendered reference window: where it lies in the input, its file and its probe.</summary>
internal sealed record QualitySample(SampleWindow Window, string File, MediaInfo Info);

/// <summary>What a search found: the CRF to use, every trial, and the references (kept to measure the result).</summary>
internal sealed record CrfSearchOutcome(double Crf, IReadOnlyList<CrfTrial> Trials, IReadOnlyList<QualitySample> References);
