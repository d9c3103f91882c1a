using System.Globalization;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Commands.Filtergraph;
using FfmpegApi.Media.Probe;

namespace FfmpegApi.Media.Analysis;

/// <summary>Where an analysis reads and writes, and which ffmpeg computes VMAF.</summary>
public sealed record AnalysisContext(string DistortedFile, string ReferenceFile, string Workspace, int Threads)
{
    /// <summary>An ffmpeg with libvmaf (null: VMAF unavailable). May be the main ffmpeg.</summary>
    public string? VmafFfmpeg { get; init; }

    /// <summary>The libvmaf model file (the v0.6.1 .pkl for libvmaf 1.x builds).</summary>
    public string? VmafModel { get; init; }

    /// <summary>Compare only these frames of the distorted file (first frame, count); null: all of it.</summary>
    public (int Start, int Count)? DistortedFrames { get; init; }
}

/// <summary>The runs of an analysis job and the log files they write.</summary>
public sealed record AnalysisPlan(IReadOnlyList<PlannedPass> Passes, Alignment? Aligned, double? ExpectedDurationSeconds)
{
    public const string PsnrLog = "psnr.log";
    public const string SsimLog = "ssim.log";
    public const string VmafLog = "vmaf.json";
}

/// <summary>
/// Plans the comparison. The distorted input is always the first filter input (libvmaf is asymmetric), brought to
/// the reference's size and frame rate when they differ; both start at timestamp 0. PSNR and SSIM run in one pass
/// of the main ffmpeg; VMAF in its own pass of the VMAF-capable ffmpeg, with <c>n_threads</c> set (libvmaf
/// otherwise uses one thread).
/// </summary>
public static class AnalysisPlanner
{
    public static AnalysisPlan Plan(AnalysisSpec spec, MediaInfo distorted, MediaInfo reference, AnalysisContext context)
    {
        var refVideo = reference.FirstVideo ?? throw new PlanningException("The reference has no video stream.");
        var distVideo = distorted.FirstVideo ?? throw new PlanningException("The input has no video stream.");
        var alignFilters = new List<string>();
        string? scaledFrom = null;
        double? fpsFrom = null;
        if (refVideo.Width != distVideo.Width || refVideo.Height != distVideo.Height)
        {
            alignFilters.Add(string.Create(CultureInfo.InvariantCulture, $"scale={refVideo.Width}:{refVideo.Height}:flags=bicubic"));
            scaledFrom = $"{distVideo.Width}x{distVideo.Height}";
        }

        if (refVideo.FrameRate is { } refFps && distVideo.FrameRate is { } distFps && Math.Abs(refFps - distFps) > 0.01)
        {
            alignFilters.Add($"fps={FilterEscaping.Number(refFps)}");
            fpsFrom = distFps;
        }

        var aligned = scaledFrom is null && fpsFrom is null
            ? null
            : new Alignment(scaledFrom, scaledFrom is null ? null : $"{refVideo.Width}x{refVideo.Height}", fpsFrom, fpsFrom is null ? null : refVideo.FrameRate);
        string[] window = context.DistortedFrames is { } frames ? [string.Create(CultureInfo.InvariantCulture, $"trim=start_frame={frames.Start}:end_frame={frames.Start + frames.Count}")] : [];
        var prepareDistorted = string.Join(',', [.. window, "setpts=PTS-STARTPTS", .. alignFilters, "format=yuv420p"]);
        const string PrepareReference = "setpts=PTS-STARTPTS,format=yuv420p";

        var classic = spec.Metrics.Where(m => m is "psnr" or "ssim").ToList();
        var wantVmaf = spec.Metrics.Contains("vmaf");
        var weight = 1.0 / ((classic.Count > 0 ? 1 : 0) + (wantVmaf ? 1 : 0));
        var passes = new List<PlannedPass>();
        if (classic.Count > 0)
        {
            var graph = new List<string>
            {
                $"[0:V:0]{prepareDistorted},split={classic.Count}{Labels("d", classic.Count)}",
                $"[1:v:0]{PrepareReference},split={classic.Count}{Labels("r", classic.Count)}",
            };
            for (var i = 0; i < classic.Count; i++)
            {
                var log = FilterEscaping.UserValue(Path.Combine(context.Workspace, classic[i] == "psnr" ? AnalysisPlan.PsnrLog : AnalysisPlan.SsimLog));
                graph.Add($"[d{i}][r{i}]{classic[i]}=stats_file={log}[o{i}]");
            }

            passes.Add(new PlannedPass("analyzing", weight, Command(context, graph, classic.Count)));
        }

        if (wantVmaf)
        {
            var vmaf = context.VmafFfmpeg ?? throw new PlanningException("VMAF is not available on this server.");
            var model = FilterEscaping.UserValue(context.VmafModel ?? throw new PlanningException("No VMAF model is configured."));
            var log = FilterEscaping.UserValue(Path.Combine(context.Workspace, AnalysisPlan.VmafLog));
            var graph = new List<string>
            {
                $"[0:V:0]{prepareDistorted}[d0]",
                $"[1:v:0]{PrepareReference}[r0]",
                $"[d0][r0]libvmaf=model_path={model}:log_path={log}:log_fmt=json:n_threads={context.Threads}:n_subsample={spec.Subsample}[o0]",
            };
            passes.Add(new PlannedPass("analyzing", weight, Command(context, graph, 1)) { Executable = vmaf });
        }

        return new AnalysisPlan(passes, aligned, reference.DurationSeconds ?? refVideo.DurationSeconds);
    }

    private static FfmpegCommand Command(AnalysisContext context, List<string> graph, int outputs)
    {
        var command = FfmpegCommand.For(context.DistortedFile, Path.Combine(context.Workspace, "null"))
            .With(new ExtraInputStep(context.ReferenceFile))
            .With(new ComplexGraphStep(string.Join(';', graph), [.. Enumerable.Range(0, outputs).Select(i => $"[o{i}]")]));
        return command;
    }

    private static string Labels(string prefix, int count) => string.Concat(Enumerable.Range(0, count).Select(i => $"[{prefix}{i}]"));
}
