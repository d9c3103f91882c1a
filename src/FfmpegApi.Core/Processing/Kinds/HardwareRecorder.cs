using FfmpegApi.Core.Data;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Hardware;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FfmpegApi.Core.Processing.Kinds;

/// <summary>
/// A conversion's video hardware: what the run used, written to the job row, the log and the metrics; and the
/// accounting when a device path fails and the job runs again in software.
/// </summary>
internal sealed partial class HardwareRecorder(IServiceScopeFactory scopes, JobMetrics metrics, ILogger<HardwareRecorder> logger)
{
    /// <summary>
    /// Records how this run uses hardware: the device (<c>nvidia:0</c>), <c>software</c>, or <c>fallback</c> when the job
    /// named a vendor (or a device path failed) and the run is in software. Written to <c>jobs.hardware</c> while the
    /// lease is ours, so <c>GET /jobs/{id}</c> shows it during the run.
    /// </summary>
    public async Task RecordAsync(JobRun run, HardwareRequest request, JobPlan plan, string? notUsed, CancellationToken cancellationToken, bool fellBack = false)
    {
        string value;
        string line;
        if (plan.Hardware is { } use)
        {
            value = use.Device.Name;
            line = "hardware: " + use.Describe(EncodersOf(plan));
        }
        else
        {
            value = fellBack || request.Vendor is not null ? "fallback" : "software";
            line = $"hardware: software ({(fellBack ? "after the device path failed" : notUsed ?? "no step of this job has a device form")})";
        }

        run.Log(line);
        metrics.Accelerated.Add(1, new KeyValuePair<string, object?>("acceleration", plan.Hardware is { } u ? HardwareCatalog.Key(u.Device.Vendor) : value));
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Jobs.Where(j => j.Id == run.Job.Id && j.LeaseOwner == run.WorkerId)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Hardware, value).SetProperty(j => j.UpdatedAt, run.Clock.GetUtcNow().UtcDateTime), cancellationToken);
    }

    /// <summary>Counts and logs a device path that failed (the run goes on in software).</summary>
    public void FellBack(JobRun run, HardwareDevice device, string reason)
    {
        metrics.HardwareFallbacks.Add(1, new KeyValuePair<string, object?>("vendor", HardwareCatalog.Key(device.Vendor)));
        LogHardwareFallback(logger, run.Job.Id, device.Name, reason);
    }

    private static IEnumerable<string> EncodersOf(JobPlan plan) =>
        plan.Passes.SelectMany(p => new[] { p.Command }.Concat(p.ExtraOutputs)).SelectMany(c => c.Steps.OfType<VideoEncoderStep>()).Select(e => e.Encoder).Distinct(StringComparer.Ordinal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: hardware path on {Device} failed ({Reason}); running again in software")]
    private static partial void LogHardwareFallback(ILogger logger, string jobId, string device, string reason);
}
