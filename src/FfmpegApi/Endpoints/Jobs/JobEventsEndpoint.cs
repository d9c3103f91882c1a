using System.Globalization;
using System.Text.Json;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Security;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// <c>GET /jobs/{id}/events</c>: Server-Sent Events pushed from the in-process <see cref="ProgressHub"/> as ffmpeg
/// reports (no database polling on the latency path). Event ids are the hub's sequence numbers; a reconnect
/// with <c>Last-Event-ID</c> skips what the client has seen. The stream ends with one terminal event named
/// after the final status. Every 15 s of silence sends a keep-alive comment and re-reads the job row, a safety
/// net for a job run by another process.
/// </summary>
public static class JobEventsEndpoint
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static async Task StreamAsync(HttpContext context, AppDbContext db, ProgressHub hub, string id, CancellationToken cancellationToken)
    {
        var caller = Caller.From(context.User);
        if (await db.FindVisibleAsync(caller, id, cancellationToken) is null)
        {
            await JobsEndpoints.NotFound(context).ExecuteAsync(context);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var lastSeen = long.TryParse(context.Request.Headers["Last-Event-ID"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : 0;

        using var subscription = hub.Subscribe(id);
        var job = (await db.FindVisibleAsync(caller, id, cancellationToken))!;
        if (JobStateMachine.IsTerminal(job.Status))
        {
            await WriteTerminalAsync(context, job, cancellationToken);
            return;
        }

        if (subscription.Latest is { } latest && latest.Sequence > lastSeen)
        {
            await WriteProgressAsync(context, id, latest, cancellationToken);
        }
        else if (lastSeen == 0)
        {
            await WriteAsync(context, null, "progress", ProgressFromRow(job), cancellationToken);
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(KeepAlive);
            JobEvent? evt = null;
            try
            {
                evt = await subscription.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (evt is null)
            {
                await context.Response.WriteAsync(": keep-alive\n\n", cancellationToken);
                await context.Response.Body.FlushAsync(cancellationToken);
                job = (await db.FindVisibleAsync(caller, id, cancellationToken))!;
                if (JobStateMachine.IsTerminal(job.Status))
                {
                    await WriteTerminalAsync(context, job, cancellationToken);
                    return;
                }

                continue;
            }

            if (evt.IsTerminal)
            {
                job = (await db.FindVisibleAsync(caller, id, cancellationToken))!;
                await WriteTerminalAsync(context, job, cancellationToken, evt.Sequence);
                return;
            }

            if (evt.Sequence > lastSeen)
            {
                await WriteProgressAsync(context, id, evt, cancellationToken);
            }
        }
    }

    private static Task WriteProgressAsync(HttpContext context, string id, JobEvent evt, CancellationToken cancellationToken)
    {
        var p = evt.Progress;
        var data = new ProgressEventData(id, JobStateMachine.ToWire(evt.Status), p.Percent, p.Percent, p.Stage, p.Fps, p.Speed, p.EtaSeconds, p.BitrateKbps, p.SizeBytes, p.OutTimeSeconds, evt.ObservedAt);
        return WriteAsync(context, evt.Sequence, "progress", data, cancellationToken);
    }

    private static ProgressEventData ProgressFromRow(Job job)
    {
        var percent = JobView.WireProgress(job);
        return new ProgressEventData(job.Id, JobStateMachine.ToWire(job.Status), percent, percent, job.Stage, job.Fps, job.Speed, job.EtaSeconds, null, null, null, job.UpdatedAt);
    }

    private static Task WriteTerminalAsync(HttpContext context, Job job, CancellationToken cancellationToken, long? sequence = null)
    {
        var status = JobStateMachine.ToWire(job.Status);
        var metadata = JobView.MetadataOf(job);
        var data = new TerminalEventData(
            job.Id,
            status,
            JobView.WireProgress(job),
            metadata?.Path,
            metadata?.SizeBytes,
            job.Status is JobStatus.Failed or JobStatus.Skipped or JobStatus.Dead ? new JobErrorView(job.ErrorCode ?? "ERROR", job.ErrorMessage ?? string.Empty) : null,
            job.CompletedAt);

        // A dead job (out of attempts) is announced as "failed" so clients that know the original's three endings stop.
        return WriteAsync(context, sequence, job.Status == JobStatus.Dead ? "failed" : status, data, cancellationToken);
    }

    private static async Task WriteAsync<T>(HttpContext context, long? id, string eventName, T data, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(data, JsonDefaults.Options);
        var frame = id is { } n
            ? string.Create(CultureInfo.InvariantCulture, $"id: {n}\nevent: {eventName}\ndata: {json}\n\n")
            : $"event: {eventName}\ndata: {json}\n\n";
        await context.Response.WriteAsync(frame, cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }
}

/// <summary>A <c>progress</c> event (the original's progress object; <c>observed_at</c> is when ffmpeg reported).</summary>
public sealed record ProgressEventData(
    string JobId,
    string Status,
    double? Percentage,
    double? Progress,
    string Stage,
    double? Fps,
    double? Speed,
    double? EtaSeconds,
    double? Bitrate,
    long? SizeBytes,
    double? OutTimeSeconds,
    DateTime ObservedAt);

/// <summary>The terminal event: <c>completed</c> (with output), <c>failed</c> or <c>skipped</c> (with error) or <c>cancelled</c>.</summary>
public sealed record TerminalEventData(string JobId, string Status, double? Progress, string? OutputPath, long? OutputSize, JobErrorView? Error, DateTime? CompletedAt);
