using System.Text.Json;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Analysis;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Core.Processing;

/// <summary>Quality-analysis jobs: probe both files, run the metric passes, pool the logs into a report.</summary>
public sealed partial class JobRunner
{
    private async Task<(string ReportFile, string ResultJson)> AnalyzeAsync(RunState state, AnalysisSpec analysis, ResolvedPath input)
    {
        var reference = await ResolveInputAsync(analysis.Reference, state);
        var distortedInfo = await ProbeOrFailAsync(input, state);
        var referenceInfo = await ProbeOrFailAsync(reference, state);
        var vmaf = analysis.Metrics.Contains("vmaf") ? await tools.GetVmafFfmpegAsync() : null;
        var context = new AnalysisContext(input.PhysicalPath, reference.PhysicalPath, state.Workspace, AnalysisThreads())
        {
            VmafFfmpeg = vmaf,
            VmafModel = tools.VmafModelPath,
        };

        AnalysisPlan plan;
        try
        {
            plan = AnalysisPlanner.Plan(analysis, distortedInfo, referenceInfo, context);
        }
        catch (PlanningException ex)
        {
            throw new JobFailure("INVALID_INPUT", ex.Message);
        }

        state.ExpectedSeconds = plan.ExpectedDurationSeconds;
        if (plan.Aligned is { } aligned)
        {
            state.Run.Log.Add(Line($"aligning the input to the reference: {aligned.ScaledFrom ?? "same size"} → {aligned.ScaledTo ?? "same size"}, fps {aligned.FpsFrom?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "same"}"));
        }

        var doneWeight = 0.0;
        foreach (var pass in plan.Passes)
        {
            await RunPassAsync(state, pass, doneWeight, null);
            doneWeight += pass.Weight;
        }

        var summaries = new Dictionary<string, MetricSummary>(StringComparer.Ordinal);
        var perFrame = new Dictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal);
        foreach (var metric in analysis.Metrics)
        {
            var values = await ReadMetricAsync(metric, state.Workspace);
            var summary = MetricLogs.Pool(values) ?? throw new JobFailure("ANALYSIS_FAILED", $"No {metric} values were measured (no overlapping video frames?).");
            summaries[metric] = summary;
            if (analysis.PerFrame)
            {
                perFrame[metric] = MetricLogs.Subsample(values, metric == "vmaf" ? 1 : analysis.Subsample);
            }

            state.Run.Log.Add(Line($"{metric}: mean {summary.Mean}, min {summary.Min}, max {summary.Max} over {summary.Frames} frames"));
        }

        var result = new AnalysisResult(analysis.Reference, summaries, plan.Aligned, vmaf is null ? null : "vmaf_v0.6.1", analysis.PerFrame ? perFrame : null);
        var json = JsonSerializer.Serialize(result, JsonDefaults.Options);
        var report = Path.Combine(state.Workspace, "report.json");
        await File.WriteAllTextAsync(report, json, state.Run.Token);

        // The stored summary leaves out the per-frame series (they are in the report file).
        return (report, JsonSerializer.Serialize(result with { PerFrame = null }, JsonDefaults.Options));
    }

    private async Task<MediaInfo> ProbeOrFailAsync(ResolvedPath file, RunState state)
    {
        var (info, error) = await tools.ProbeAsync(file.PhysicalPath, state.Run.Token);
        if (info is null)
        {
            throw new JobFailure("INVALID_INPUT", mounts.Sanitize(InputRefusal.Explain(file.VirtualPath, error)));
        }

        return jobOptions.Value.Frames.Reject(info, file.VirtualPath) is { } tooLarge ? throw new JobFailure("INVALID_INPUT", tooLarge) : info;
    }

    private static async Task<IReadOnlyList<double>> ReadMetricAsync(string metric, string workspace)
    {
        var file = Path.Combine(workspace, metric switch
        {
            "psnr" => AnalysisPlan.PsnrLog,
            "ssim" => AnalysisPlan.SsimLog,
            _ => AnalysisPlan.VmafLog,
        });
        if (!File.Exists(file))
        {
            return [];
        }

        var text = await File.ReadAllTextAsync(file);
        return metric == "vmaf" ? MetricLogs.Vmaf(text) : metric == "psnr" ? MetricLogs.Psnr(text) : MetricLogs.Ssim(text);
    }

    /// <summary>libvmaf uses one thread unless told: give it this worker's share of the cores.</summary>
    private int AnalysisThreads() => Math.Max(1, Environment.ProcessorCount / workerOptions.Value.EffectiveConcurrency);
}
