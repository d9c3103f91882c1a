using System.Text.Json;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Net;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Queue;
using FfmpegApi.Core.Storage;
using FfmpegApi.Errors;
using FfmpegApi.Media.Specs;
using FfmpegApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// The shared path of every job-creating endpoint: content type, idempotency key, parse, map (wire → spec, or 422
/// naming the fields), webhook target and quota checks, insert the queued row, answer 202 with the original's envelope.
/// </summary>
public sealed class JobSubmitter(
    IJobQueue queue,
    JobMetrics metrics,
    TimeProvider clock,
    IOptions<WorkerOptions> workerOptions,
    SubmitQuotas quotas,
    IOptions<JobOptions> jobOptions,
    UploadStore uploads,
    IHttpContextAccessor accessor,
    OutboundTargetPolicy targets,
    IdempotencyGate idempotency)
{
    public async Task<IResult> SubmitAsync(
        HttpContext context,
        Func<JsonElement, string, Task<(JobEnvelope? Envelope, ValidationErrors Errors)>> map,
        CancellationToken cancellationToken)
    {
        var caller = Caller.From(context.User);
        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString();
        if (NotJson(context) is { } notJson)
        {
            return notJson;
        }

        var body = await ReadBodyAsync(context, cancellationToken);
        var gate = await idempotency.BeginAsync(context, caller.TenantId, body, cancellationToken);
        if (gate.Answer is { } early)
        {
            return early;
        }

        var (envelope, problem) = await MapAsync(context, body, json => map(json, id));
        return envelope is null
            ? problem!
            : await AcceptAsync(context, gate, envelope, id, caller, now, [], context.Request.Path, cancellationToken);
    }

    /// <summary>
    /// The tail of every single-job submit (a new request, or a retry): operator checks and quota (4xx naming why),
    /// insert the queued row with the idempotent answer, audit, 202 with the job.
    /// </summary>
    public async Task<IResult> AcceptAsync(
        HttpContext context,
        IdempotencyTicket gate,
        JobEnvelope envelope,
        string id,
        Caller owner,
        DateTimeOffset now,
        IReadOnlyList<string> warnings,
        string auditDetail,
        CancellationToken cancellationToken)
    {
        if (await CheckAsync(context, envelope, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (await quotas.ProblemAsync(context, owner, 1, now, cancellationToken) is { } overQuota)
        {
            return overQuota;
        }

        var job = NewJob(envelope, id, owner, now);
        var view = JobView.From(job);
        var response = new JobCreatedResponse(view, null, warnings);
        if (await CommitAsync(context, gate, [(job, envelope.Spec)], response, view.Links.Self, null, cancellationToken) is { } replayed)
        {
            return replayed;
        }

        await context.AuditCommittedAsync(Core.Audit.AuditActions.JobCreate, id, detail: auditDetail);
        return TypedResults.Accepted(view.Links.Self, response);
    }

    /// <summary>
    /// Inserts the jobs, whatever <paramref name="alsoAdd"/> puts in the unit of work (a batch row) and the stored
    /// idempotent answer in one transaction, and counts the submits. Null when committed; the winner's answer when a
    /// concurrent request with the same Idempotency-Key committed first.
    /// </summary>
    public async Task<IResult?> CommitAsync(
        HttpContext context,
        IdempotencyTicket gate,
        IReadOnlyList<(Job Job, JobSpec Spec)> jobs,
        object response,
        string location,
        Action? alsoAdd,
        CancellationToken cancellationToken)
    {
        var record = gate.Record(StatusCodes.Status202Accepted, response, location, cancellationToken);
        try
        {
            await queue.EnqueueAsync([.. jobs.Select(j => j.Job)], async () =>
            {
                alsoAdd?.Invoke();
                if (record is not null)
                {
                    await record();
                }
            }, cancellationToken);
        }
        catch (Exception e) when (gate.IsRace(e))
        {
            return await idempotency.ReplayWinnerAsync(context, gate, e, cancellationToken);
        }

        foreach (var (_, spec) in jobs)
        {
            var (kind, codec) = JobMetrics.Describe(spec);
            metrics.Submitted.Add(1, new System.Diagnostics.TagList { { "format", spec.Output.Format }, { "kind", kind }, { "codec", codec } });
        }

        return null;
    }

    /// <summary>A new job row for <paramref name="spec"/>: queued, or waiting when it depends on other jobs of its batch.</summary>
    public Job NewJob(JobEnvelope envelope, string id, Caller caller, DateTimeOffset now, string? batchId = null, int? batchIndex = null, IReadOnlyList<string>? dependsOn = null) => new()
    {
        Id = id,
        TenantId = caller.TenantId,
        ApiKeyId = caller.KeyId,
        Status = dependsOn is { Count: > 0 } ? JobStatus.Waiting : JobStatus.Queued,
        BatchId = batchId,
        BatchIndex = batchIndex,
        DependsOn = dependsOn is { Count: > 0 } ? string.Join(' ', dependsOn) : null,
        Priority = (int)envelope.Priority,
        SpecJson = JobDocuments.WriteSpec(envelope.Spec),
        DeliveryJson = JobDocuments.WriteDelivery(envelope.Delivery),
        CreatedAt = now.UtcDateTime,
        UpdatedAt = now.UtcDateTime,
        OutputPath = envelope.Spec.Output.Path,
        MaxAttempts = envelope.MaxAttempts ?? workerOptions.Value.MaxAttempts,
        Requires = (int)JobRequirements.Needs(envelope.Spec),
        TraceParent = Core.Observability.Tracing.CurrentParent(),
    };

    /// <summary>Checks that need the operator's settings: frame sizes, the per-job webhook target (422 naming the field).</summary>
    public async Task<ProblemHttpResult?> CheckAsync(HttpContext context, JobEnvelope envelope, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        return await CheckAsync(envelope, string.Empty, errors, cancellationToken) ? null : ApiProblem.Invalid(context, errors);
    }

    /// <summary>The same checks, recording errors under <paramref name="prefix"/>; false when any failed.</summary>
    public async Task<bool> CheckAsync(JobEnvelope envelope, string prefix, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var spec = envelope.Spec;
        var tooLarge = jobOptions.Value.Frames.Check(spec).ToList();
        foreach (var (field, message) in tooLarge)
        {
            errors.Add(prefix + field, message, field.StartsWith("operations", StringComparison.Ordinal) ? ErrorCodes.InvalidOperation : ErrorCodes.InvalidOutput);
        }

        if (tooLarge.Count > 0)
        {
            return false;
        }

        // Uploads belong to a tenant: another tenant's id does not exist for this caller.
        var tenant = accessor.HttpContext is { } http ? Caller.From(http.User).TenantId : null;
        foreach (var (field, input) in new[] { ("input", spec.Input), ("reference", (spec as AnalyzeSpec)?.Analysis.Reference) })
        {
            if (Upload.IdOf(input) is { } uploadId && tenant is not null && (await uploads.ResolveAsync(tenant, uploadId, cancellationToken)).Problem is { } problem)
            {
                errors.Add(prefix + field, problem, ErrorCodes.InvalidInput);
                return false;
            }
        }

        if (envelope.Delivery.Webhook is { } hook && await targets.CheckResolvedAsync(hook.Url, TimeSpan.FromSeconds(2), cancellationToken) is { } refusedUrl)
        {
            errors.Add(prefix + "webhook_url", refusedUrl, ErrorCodes.InvalidRequest);
            return false;
        }

        return true;
    }

    /// <summary>A JSON job body mapped to a spec; otherwise the 415 (not JSON) or 422 (field errors) to answer.</summary>
    public static async Task<(JobEnvelope? Envelope, ProblemHttpResult? Problem)> ReadSpecAsync(
        HttpContext context, Func<JsonElement, Task<(JobEnvelope? Envelope, ValidationErrors Errors)>> map, CancellationToken cancellationToken) =>
        NotJson(context) is { } notJson ? (null, notJson) : await MapAsync(context, await ReadBodyAsync(context, cancellationToken), map);

    /// <summary>415 unless the body is declared JSON.</summary>
    public static ProblemHttpResult? NotJson(HttpContext context) =>
        context.Request.HasJsonContentType() ? null : ApiProblem.Create(context, 415, ErrorCodes.InvalidRequest, "Send the job as application/json.");

    /// <summary>The raw body (bounded by the endpoint's request size limit): hashed for idempotency, then parsed.</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    private static async Task<(JobEnvelope? Envelope, ProblemHttpResult? Problem)> MapAsync(
        HttpContext context, byte[] body, Func<JsonElement, Task<(JobEnvelope? Envelope, ValidationErrors Errors)>> map)
    {
        using var document = JsonDocument.Parse(body);
        var (envelope, errors) = await map(document.RootElement);
        return envelope is null ? (null, ApiProblem.Invalid(context, errors)) : (envelope, null);
    }
}
