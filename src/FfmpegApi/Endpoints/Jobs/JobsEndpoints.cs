using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Queue;
using FfmpegApi.Core.Storage;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Errors;
using FfmpegApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Endpoints.Jobs;

public static class JobsEndpoints
{
    public static RouteGroupBuilder MapJobs(this RouteGroupBuilder api)
    {
        // Reading needs jobs:read; cancelling needs jobs:write (not both: a submit-only key may cancel its jobs).
        var group = api.MapGroup("/jobs").WithTags("Jobs");
        var jobs = group.MapGroup(string.Empty).RequireAuthorization(Core.Auth.ApiScopes.JobsRead);
        jobs.MapGet("/", ListAsync).WithName("ListJobs").WithSummary("List jobs (newest first)")
            .Produces<JobListResponse>().Produces(StatusCodes.Status304NotModified)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        jobs.MapGet("/{id}", GetAsync).WithName("GetJob").WithSummary("Get a job")
            .Produces<JobView>().Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{id}", CancelAsync).WithName("CancelJob").WithSummary("Cancel a job")
            .RequireAuthorization(Core.Auth.ApiScopes.JobsWrite)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapJobRetry();
        jobs.MapGet("/{id}/logs", LogsAsync).WithName("GetJobLogs").WithSummary("The job's log, including the ffmpeg stderr tail")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/{id}/output", OutputAsync).WithName("DownloadJobOutput").WithSummary("Download a completed job's output (Range supported)")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status206PartialContent, contentType: "application/octet-stream")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapGet("/{id}/events", JobEventsEndpoint.StreamAsync).WithName("JobEvents").WithSummary("Server-Sent Events: progress, then completed | failed | cancelled")
            .Produces(200, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapJobOutputs();
        return api;
    }

    /// <summary>
    /// A page of jobs. Answers <c>ETag</c> (the query, the total and every listed job's version); <c>If-None-Match</c>
    /// with it answers 304 once nothing listed changed. Unchanged jobs' views come from <see cref="JobReads"/>.
    /// </summary>
    internal static async Task<IResult> ListAsync(
        HttpContext context,
        AppDbContext db,
        JobReads reads,
        string? status,
        int? page,
        [FromQuery(Name = "per_page")] int? perPage,
        string? sort,
        CancellationToken cancellationToken)
    {
        var p = page ?? 1;
        var size = perPage ?? 20;
        if (p < 1 || size is < 1 or > 100)
        {
            return ApiProblem.Create(context, 422, ErrorCodes.InvalidRequest, "page must be >= 1 and per_page between 1 and 100.",
                new Dictionary<string, string[]> { [p < 1 ? "page" : "per_page"] = ["Out of range."] });
        }

        var caller = Caller.From(context.User);
        var query = db.VisibleTo(caller);
        if (!string.IsNullOrEmpty(status))
        {
            if (JobStateMachine.FromWire(status) is not { } wanted)
            {
                return ApiProblem.Create(context, 422, ErrorCodes.InvalidRequest, $"Unknown status '{status}'.",
                    new Dictionary<string, string[]> { ["status"] = ["Must be one of: queued, processing, completed, failed, dead, cancelled, waiting, skipped."] });
            }

            query = query.Where(j => j.Status == wanted);
        }

        query = (sort ?? "created_at:desc") switch
        {
            "created_at:desc" => query.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id),
            "created_at:asc" or "created_at" => query.OrderBy(j => j.CreatedAt).ThenBy(j => j.Id),
            _ => null!,
        };
        if (query is null)
        {
            return ApiProblem.Create(context, 422, ErrorCodes.InvalidRequest, $"Unknown sort '{sort}'.",
                new Dictionary<string, string[]> { ["sort"] = ["Must be created_at:desc or created_at:asc."] });
        }

        var total = await query.CountAsync(cancellationToken);
        var stamps = await query.Skip((p - 1) * size).Take(size).Stamps().ToListAsync(cancellationToken);
        var etag = JobReads.ListETag($"{caller.TenantId}|{caller.IsAdmin}|{status}|{sort}|{p}|{size}", total, stamps);
        if (Revalidated(context, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var items = await reads.ItemsAsync(db, stamps, cancellationToken);
        return TypedResults.Bytes(JobReads.ListBody(items, total, p, size), "application/json");
    }

    /// <summary>
    /// One job with its attempts. Answers <c>ETag</c> (the job's version); <c>If-None-Match</c> with it answers 304
    /// without reading the row. A finished job is served from <see cref="JobReads"/> without a query; another is read
    /// again only when its stamp changed.
    /// </summary>
    internal static async Task<IResult> GetAsync(HttpContext context, AppDbContext db, JobReads reads, string id, CancellationToken cancellationToken)
    {
        var caller = Caller.From(context.User);
        if (reads.Finished(id) is var (done, final) && (caller.IsAdmin || final.TenantId == caller.TenantId))
        {
            return await AnswerAsync(context, caller, final, done);
        }

        var stamp = await db.StampAsync(caller, id, cancellationToken);
        if (stamp is null)
        {
            return NotFound(context);
        }

        if (Revalidated(context, JobReads.ETagOf(stamp, 'v')))
        {
            return await AnswerAsync(context, caller, stamp, null);
        }

        return await reads.ViewAsync(db, stamp, withAttempts: true, cancellationToken) is var (body, current)
            ? await AnswerAsync(context, caller, current, body)
            : NotFound(context);
    }

    /// <summary>The view (or 304 when <paramref name="body"/> is null or the client holds it); admins' reads across tenants are audited.</summary>
    private static async Task<IResult> AnswerAsync(HttpContext context, Caller caller, JobStamp stamp, byte[]? body)
    {
        if (stamp.TenantId != caller.TenantId)
        {
            // Only admins see other tenants' jobs; that they did is on record.
            await context.AuditAsync(Core.Audit.AuditActions.JobRead, stamp.Id, stamp.TenantId, "admin read across tenants");
        }

        return body is null || Revalidated(context, JobReads.ETagOf(stamp, 'v'))
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Bytes(body, "application/json");
    }

    /// <summary>Sets the answer's ETag (clients revalidate: <c>no-cache</c>) and says whether the client already holds it.</summary>
    private static bool Revalidated(HttpContext context, string etag)
    {
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = "private, no-cache";
        return JobReads.NotModified(context.Request, etag);
    }

    internal static async Task<Results<Ok<JobCancelResponse>, ProblemHttpResult>> CancelAsync(
        HttpContext context, AppDbContext db, JobCancellation cancellation, string id, CancellationToken cancellationToken)
    {
        var caller = Caller.From(context.User);
        var job = await db.FindVisibleAsync(caller, id, cancellationToken);
        if (job is null)
        {
            return NotFound(context);
        }

        if (JobStateMachine.IsTerminal(job.Status))
        {
            return NotCancellable(context, job.Status);
        }

        await context.AuditAsync(Core.Audit.AuditActions.JobCancel, id, job.TenantId);
        return await cancellation.CancelAsync(job, "Cancelled by request.", JobCancellation.RunningWait, cancellationToken) switch
        {
            (JobStatus.Cancelled, true) => TypedResults.Ok(new JobCancelResponse(id, "cancelled", "Job cancelled before it started.")),
            (JobStatus.Cancelled, false) => TypedResults.Ok(new JobCancelResponse(id, "cancelled", "Job cancelled; ffmpeg was stopped and partial output removed.")),
            (JobStatus.Running, _) => TypedResults.Ok(new JobCancelResponse(id, "processing", "Cancellation requested; the worker is stopping the job.")),
            var (s, _) => NotCancellable(context, s),
        };
    }

    internal static async Task<Results<Ok<JobLogsResponse>, ProblemHttpResult>> LogsAsync(
        HttpContext context, AppDbContext db, RunningJobs running, string id, int? lines, CancellationToken cancellationToken)
    {
        var job = await db.FindVisibleAsync(Caller.From(context.User), id, cancellationToken);
        if (job is null)
        {
            return NotFound(context);
        }

        var n = Math.Clamp(lines ?? 100, 1, 1000);
        var all = running.LiveLog(id) ?? (job.Log ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return TypedResults.Ok(new JobLogsResponse(id, JobStateMachine.ToWire(job.Status), all.Skip(Math.Max(0, all.Count - n)).ToList()));
    }

    internal static async Task<Results<PhysicalFileHttpResult, RedirectHttpResult, FileStreamHttpResult, ProblemHttpResult>> OutputAsync(
        HttpContext context, AppDbContext db, StorageMounts mounts, BlobStores blobs, string id, CancellationToken cancellationToken)
    {
        var (job, problem) = await JobOutputsEndpoints.CompletedAsync(context, db, id, "its output is available", cancellationToken);
        if (job is null)
        {
            return problem!;
        }

        using var keys = JobOutputsEndpoints.OpenCredentials(context, job);
        return await JobOutputsEndpoints.FileAsync(context, mounts, blobs, job.OutputPath, cancellationToken);
    }

    private static ProblemHttpResult NotCancellable(HttpContext context, JobStatus status) =>
        ApiProblem.Create(context, 409, ErrorCodes.JobNotCancellable, $"Job is already {JobStateMachine.ToWire(status)} and cannot be cancelled.");

    internal static ProblemHttpResult NotFound(HttpContext context) =>
        ApiProblem.Create(context, 404, ErrorCodes.JobNotFound, "Job not found");
}
