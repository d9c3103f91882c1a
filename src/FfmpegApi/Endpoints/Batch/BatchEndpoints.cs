using FfmpegApi.Core.Audit;
using FfmpegApi.Core.Batches;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Queue;
using FfmpegApi.Core.Storage;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Errors;
using FfmpegApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Batch;

/// <summary>
/// <c>/api/v1/batch</c>: many jobs in one request, validated all-or-nothing (<c>atomic</c>) or job by job
/// (<c>partial</c>), with dependencies (<c>depends_on</c>) run in order and failures propagated as <c>skipped</c>.
/// </summary>
public static class BatchEndpoints
{
    public static RouteGroupBuilder MapBatchSubmission(this RouteGroupBuilder write)
    {
        write.MapPost("/batch", SubmitAsync)
            .WithName("CreateBatch")
            .WithSummary("Submit up to Jobs:MaxBatchJobs jobs of any kind at once, with dependencies between them")
            .WithTags("Batches")
            .Accepts<BatchRequest>("application/json")
            .Produces<BatchCreatedResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        write.MapDelete("/batch/{id}", CancelAsync)
            .WithName("CancelBatch")
            .WithSummary("Cancel every job of the batch that has not finished")
            .WithTags("Batches")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return write;
    }

    public static RouteGroupBuilder MapBatchQueries(this RouteGroupBuilder read)
    {
        read.MapGet("/batch/{id}", GetAsync)
            .WithName("GetBatch")
            .WithSummary("A batch: state, counts per job state and its jobs in request order")
            .WithTags("Batches")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return read;
    }

    /// <summary>A batch body holds up to 100 job bodies (each at most <see cref="ConvertEndpoints.MaxBodyBytes"/> alone).</summary>
    public const long MaxBodyBytes = 8 * 1024 * 1024;

    internal static async Task<IResult> SubmitAsync(
        HttpContext context,
        JobSubmitter submitter,
        SubmitQuotas quotas,
        IdempotencyGate idempotency,
        AppDbContext db,
        StorageMounts mounts,
        FfmpegTools tools,
        ClusterCapabilities cluster,
        InputSources remote,
        Core.Upscaling.UpscaleModels upscale,
        IOptions<JobOptions> jobOptions,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var caller = Caller.From(context.User);
        var now = clock.GetUtcNow();
        if (JobSubmitter.NotJson(context) is { } notJson)
        {
            return notJson;
        }

        var body = await JobSubmitter.ReadBodyAsync(context, cancellationToken);
        var gate = await idempotency.BeginAsync(context, caller.TenantId, body, cancellationToken);
        if (gate.Answer is { } early)
        {
            return early;
        }

        var mapper = new BatchRequestMapper(new JobMapping(mounts, jobOptions.Value, tools, cluster, remote, upscale), submitter, jobOptions.Value.MaxBatchJobs, () => Guid.CreateVersion7(now).ToString());
        using var document = System.Text.Json.JsonDocument.Parse(body);
        var root = document.RootElement;
        var original = OriginalBatch.Is(root);
        string? batchName = null;
        if (original)
        {
            var shapeErrors = new Jobs.ValidationErrors();
            if (OriginalBatch.Rewrite(root, shapeErrors) is not { } rewritten)
            {
                return ApiProblem.Invalid(context, shapeErrors);
            }

            (root, batchName) = rewritten;
        }

        var (plan, errors) = await mapper.MapAsync(root, cancellationToken);
        if (plan is null)
        {
            return ApiProblem.Invalid(context, original ? errors.Renamed(OriginalBatch.FieldOf) : errors);
        }

        if (await quotas.ProblemAsync(context, caller, plan.Accepted.Count, now, cancellationToken) is { } overQuota)
        {
            return overQuota;
        }

        var batch = new Core.Batches.Batch
        {
            Id = Guid.CreateVersion7(now).ToString(),
            TenantId = caller.TenantId,
            ApiKeyId = caller.KeyId,
            Mode = plan.Mode,
            JobCount = plan.Accepted.Count,
            CreatedAt = now.UtcDateTime,
            UpdatedAt = now.UtcDateTime,
        };
        var ids = plan.Accepted.ToDictionary(e => e.Index, e => e.Id);
        var entries = plan.Accepted.Select(e => (Job: submitter.NewJob(e.Envelope, e.Id, caller, now, batch.Id, e.Index, [.. e.DependsOn.Select(d => ids[d])]), e.Envelope.Spec)).ToList();
        var jobs = entries.ConvertAll(e => e.Job);
        var view = BatchView.From(batch, jobs);
        object response = original
            ? OriginalBatch.Answer(view, plan.Rejected, batchName)
            : new BatchCreatedResponse(view, plan.Rejected);
        if (await submitter.CommitAsync(context, gate, entries, response, view.Links.Self, () => db.Batches.Add(batch), cancellationToken) is { } replayed)
        {
            return replayed;
        }

        await context.AuditCommittedAsync(AuditActions.BatchCreate, batch.Id, detail: $"{jobs.Count} jobs, {plan.Rejected.Count} rejected, mode {plan.Mode}");
        return TypedResults.Accepted(view.Links.Self, response);
    }

    internal static async Task<Results<Ok<BatchView>, ProblemHttpResult>> GetAsync(HttpContext context, BatchTracker batches, string id, CancellationToken cancellationToken)
    {
        var caller = Caller.From(context.User);
        if (await batches.FindAsync(id, caller.IsAdmin ? null : caller.TenantId, cancellationToken) is not { } found)
        {
            return NotFound(context);
        }

        return TypedResults.Ok(BatchView.From(found.Batch, found.Jobs));
    }

    /// <summary>
    /// Cancels what has not finished, last job first (so dependents end <c>cancelled</c>, not <c>skipped</c>): waiting and
    /// queued jobs at once, running ones by asking their workers to stop (they end within seconds).
    /// </summary>
    internal static async Task<Results<Ok<BatchView>, ProblemHttpResult>> CancelAsync(
        HttpContext context, BatchTracker batches, JobCancellation cancellation, string id, CancellationToken cancellationToken)
    {
        var caller = Caller.From(context.User);
        if (await batches.FindAsync(id, caller.IsAdmin ? null : caller.TenantId, cancellationToken) is not { } found)
        {
            return NotFound(context);
        }

        if (found.Batch.CompletedAt is not null)
        {
            return ApiProblem.Create(context, 409, ErrorCodes.JobNotCancellable, "Batch is already completed: every job in it has finished.");
        }

        await context.AuditAsync(AuditActions.BatchCancel, id, found.Batch.TenantId);
        await cancellation.CancelAllAsync(found.Jobs, "Cancelled with its batch.", cancellationToken);

        var after = await batches.FindAsync(id, null, cancellationToken);
        return TypedResults.Ok(BatchView.From(after!.Value.Batch, after.Value.Jobs));
    }

    private static ProblemHttpResult NotFound(HttpContext context) => ApiProblem.Create(context, 404, ErrorCodes.NotFound, "Batch not found");
}
