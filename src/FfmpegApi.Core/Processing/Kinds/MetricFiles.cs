using FfmpegApi.Core.Configuration;
using FfmpegApi.Media.Analysis;

namespace FfmpegApi.Core.Processing.Kinds;

/// <summary>The per-frame logs that metric passes write into a directory, and the threads libvmaf gets.</summary>
internal static class MetricFiles
{
    public static async Task<IReadOnlyList<double>> ReadAsync(string metric, string directory, CancellationToken cancellationToken)
    {
        var file = Path.Combine(directory, metric switch
        {
            "psnr" => AnalysisPlan.PsnrLog,
            "ssim" => AnalysisPlan.SsimLog,
            _ => AnalysisPlan.VmafLog,
        });
        if (!File.Exists(file))
        {
            return [];
        }

        var text = await File.ReadAllTextAsync(file, cancellationToken);
        return metric == "vmaf" ? MetricLogs.Vmaf(text) : metric == "psnr" ? MetricLogs.Psnr(text) : MetricLogs.Ssim(text);
    }

    /// <summary>libvmaf uses one thread unless told: give it this worker's share of the cores.</summary>
    public static int Threads(WorkerOptions worker) => Math.Max(1, Environment.ProcessorCount / worker.EffectiveConcurrency);
}
