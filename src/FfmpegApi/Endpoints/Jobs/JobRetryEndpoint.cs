using System.Text;
using System.Text.Json;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Errors;
using FfmpegApi.Media.Specs;
using FfmpegApi.Security;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// <c>POST /jobs/{id}/retry</c>: a failed, dead or cancelled job submitted again as a new job with the same request
/// (validated again, counted against the quota, idempotent with <c>Idempotency-Key</c>). The old job is left as it was.
/// </summary>
public static class JobRetryEndpoint
{
    public static RouteGroupBuilder MapJobRetry(this RouteGroupBuilder jobs)
    {
        jobs.MapPost("/{id}/retry", RetryAsync).WithName("RetryJob").WithSummary("Submit a failed, dead or cancelled job again as a new job")
            .RequireAuthorization(Core.Auth.ApiScopes.JobsWrite)
            .Produces<JobCreatedResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return jobs;
    }

    internal static async Task<IResult> RetryAsync(HttpContext context, AppDbContext db, JobSubmitter submitter, IdempotencyGate idempotency, TimeProvider clock, string id, CancellationToken cancellationToken)
    {
        var caller = Caller.From(context.User);
        var job = await db.FindVisibleAsync(caller, id, cancellationToken);
        if (job is null)
        {
            return JobsEndpoints.NotFound(context);
        }

        if (job.Status is not (JobStatus.Failed or JobStatus.Dead or JobStatus.Cancelled))
        {
            return ApiProblem.Create(context, 409, ErrorCodes.JobNotRetryable, $"Job is {JobStateMachine.ToWire(job.Status)}; only failed, dead or cancelled jobs can be retried.");
        }

        var envelope = job.Envelope();
        var gate = await idempotency.BeginAsync(context, job.TenantId, Encoding.UTF8.GetBytes("retry:" + id), cancellationToken);
        if (gate.Answer is { } early)
        {
            return early;
        }

        // The new job belongs to the old one's tenant (an admin may retry any tenant's job).
        var now = clock.GetUtcNow();
        return await submitter.AcceptAsync(context, gate, envelope, Guid.CreateVersion7(now).ToString(), caller with { TenantId = job.TenantId }, now, [$"retry of job {id}"], $"retry of {id}", cancellationToken);
    }
}
