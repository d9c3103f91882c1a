using System.Globalization;
using System.Text.Json;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Analysis;
using FfmpegApi.Media.Specs;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing.Kinds;

/// <summary>
/// Quality analysis (VMAF/PSNR/SSIM of the input against a reference): probe both, run the metric passes, pool the logs
/// into a report. Without a reference: the input's facts alone (one ffprobe, no ffmpeg).
/// </summary>
internal sealed class AnalysisHandler(FfmpegTools tools, InputResolver inputs, InputProbe probes, PassRunner passes, IOptions<WorkerOptions> workerOptions) : JobHandler<AnalyzeSpec>
{
    public override async Task<JobProduct> RunAsync(JobRun run, AnalyzeSpec spec, ResolvedPath input, ResolvedPath output, CancellationToken cancellationToken)
    {
        var analysis = spec.Analysis;
        var distortedInfo = await probes.ProbeOrFailAsync(input, cancellationToken);
        var media = MediaReport.From(distortedInfo);
        if (analysis.Reference is null)
        {
            run.Log($"probed the input: {media.Format}, {media.DurationSeconds?.ToString(CultureInfo.InvariantCulture) ?? "unknown"} s, {media.Resolution ?? "no video"}");
            return await ReportAsync(run, new AnalysisResult(null, new Dictionary<string, MetricSummary>(), null, null, null) { Media = media }, output, cancellationToken);
        }

        var reference = await inputs.ResolveInputAsync(run, analysis.Reference, cancellationToken);
        var referenceInfo = await probes.ProbeOrFailAsync(reference, cancellationToken);
        var vmaf = analysis.Metrics.Contains("vmaf") ? await tools.GetVmafFfmpegAsync() : null;
        var context = new AnalysisContext(input.PhysicalPath, reference.PhysicalPath, run.Workspace, MetricFiles.Threads(workerOptions.Value))
        {
            VmafFfmpeg = vmaf,
            VmafModel = tools.VmafModelPath,
        };

        var plan = JobFailure.Planned("INVALID_INPUT", () => AnalysisPlanner.Plan(analysis, distortedInfo, referenceInfo, context));
        run.ExpectedSeconds = plan.ExpectedDurationSeconds;
        if (plan.Aligned is { } aligned)
        {
            run.Log($"aligning the input to the reference: {aligned.ScaledFrom ?? "same size"} → {aligned.ScaledTo ?? "same size"}, fps {aligned.FpsFrom?.ToString(CultureInfo.InvariantCulture) ?? "same"}");
        }

        await passes.RunAllAsync(run, plan.Passes, 0, cancellationToken);

        var summaries = new Dictionary<string, MetricSummary>(StringComparer.Ordinal);
        var perFrame = new Dictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal);
        foreach (var metric in analysis.Metrics)
        {
            var values = await MetricFiles.ReadAsync(metric, run.Workspace, cancellationToken);
            var summary = MetricLogs.Pool(values) ?? throw new JobFailure("ANALYSIS_FAILED", $"No {metric} values were measured (no overlapping video frames?).");
            summaries[metric] = summary;
            if (analysis.PerFrame)
            {
                perFrame[metric] = MetricLogs.Subsample(values, metric == "vmaf" ? 1 : analysis.Subsample);
            }

            run.Log($"{metric}: mean {summary.Mean}, min {summary.Min}, max {summary.Max} over {summary.Frames} frames");
        }

        var result = new AnalysisResult(analysis.Reference, summaries, plan.Aligned, vmaf is null ? null : "vmaf_v0.6.1", analysis.PerFrame ? perFrame : null) { Media = media };
        return await ReportAsync(run, result, output, cancellationToken);
    }

    /// <summary>Writes the report file; the stored summary leaves out the per-frame series (they are in the file).</summary>
    private static async Task<JobProduct> ReportAsync(JobRun run, AnalysisResult result, ResolvedPath output, CancellationToken cancellationToken)
    {
        var report = Path.Combine(run.Workspace, "report.json");
        await File.WriteAllTextAsync(report, JsonSerializer.Serialize(result, JsonDefaults.Options), cancellationToken);
        return new ReportProduct(report, output, JsonSerializer.Serialize(result with { PerFrame = null }, JsonDefaults.Options));
    }
}
