using System.Diagnostics;

namespace FfmpegApi.Core.Observability;

/// <summary>
/// The service's spans. A submit stores the request's W3C <c>traceparent</c> on the job row, so the worker that runs
/// the job — in this process or another — continues the same trace: request → <c>job.run</c> → <c>ffmpeg</c>.
/// Nothing is recorded unless tracing is configured (<c>Telemetry:Otlp:Endpoint</c>).
/// </summary>
public static class Tracing
{
    public const string SourceName = "FfmpegApi";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The current span as a W3C traceparent to store with a new job, or null when nothing is traced.</summary>
    public static string? CurrentParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { Length: <= 55 } id } ? id : null;

    /// <summary>Starts the span of one job run, the child of the submit request when its traceparent was kept.</summary>
    public static Activity? StartJobRun(Jobs.Job job, string workerId)
    {
        ActivityContext.TryParse(job.TraceParent, null, out var parent);
        var activity = Source.StartActivity("job.run", ActivityKind.Consumer, parent);
        if (activity is not null)
        {
            activity.SetTag("job.id", job.Id);
            activity.SetTag("job.attempt", job.Attempts);
            activity.SetTag("job.priority", job.Priority);
            activity.SetTag("worker.id", workerId);
            activity.SetTag("tenant.id", job.TenantId);
        }

        return activity;
    }

    /// <summary>Records how the run ended on the current <c>job.run</c> span (if any).</summary>
    public static void EndJobRun(Jobs.JobStatus status, string? errorCode)
    {
        if (Activity.Current is not { OperationName: "job.run" } activity || activity.Source != Source)
        {
            return;
        }

        activity.SetTag("job.status", status.ToString().ToLowerInvariant());
        if (errorCode is not null)
        {
            activity.SetTag("job.error_code", errorCode);
        }

        if (status is Jobs.JobStatus.Failed or Jobs.JobStatus.Dead)
        {
            activity.SetStatus(ActivityStatusCode.Error, errorCode);
        }
    }
}
