using System.Text.Json;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Queue;
using FfmpegApi.Core.Storage;
using FfmpegApi.Errors;
using FfmpegApi.Media.Specs;
using FfmpegApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Jobs;

public static class ConvertEndpoints
{
    /// <summary>JSON job bodies are small; anything larger is refused with 413 before it is read.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    public static RouteGroupBuilder MapConvert(this RouteGroupBuilder api)
    {
        api.MapJobSubmission<ConvertRequest>("/convert", "Convert", "Submit a conversion job", async (m, body, id) =>
            new ConvertRequestMapper(m.Mounts, m.Jobs, await m.Tools.GetCapabilitiesAsync()).Map(body, id));
        return api;
    }

    /// <summary>
    /// A job-creating POST: the body is read as raw JSON and mapped by <paramref name="map"/> (so every mistake is named),
    /// then queued by <see cref="JobSubmitter"/>. <typeparamref name="TRequest"/> documents the body in OpenAPI.
    /// </summary>
    public static RouteHandlerBuilder MapJobSubmission<TRequest>(this RouteGroupBuilder api, string pattern, string name, string summary, JobBodyMapper map)
        where TRequest : notnull =>
        api.MapPost(pattern, (HttpContext context, JobSubmitter submitter, StorageMounts mounts, FfmpegTools tools, IOptions<JobOptions> jobOptions, CancellationToken cancellationToken) =>
                submitter.SubmitAsync(context, (body, id) => map(new JobMapping(mounts, jobOptions.Value, tools), body, id), cancellationToken))
            .WithName(name)
            .WithSummary(summary)
            .Accepts<TRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
}

/// <summary>What a job body mapper may use: the storage sandbox, job settings and the installed ffmpeg.</summary>
public sealed record JobMapping(StorageMounts Mounts, JobOptions Jobs, FfmpegTools Tools);

/// <summary>Raw JSON body + the new job's id → a spec, or the field errors.</summary>
public delegate Task<(JobSpec? Spec, ValidationErrors Errors)> JobBodyMapper(JobMapping mapping, JsonElement body, string jobId);

/// <summary>
/// The shared path of every job-creating endpoint: content type, parse, map (wire → spec, or 422 naming the
/// fields), insert the queued row, answer 202 with the original's envelope.
/// </summary>
public sealed class JobSubmitter(JobQueue queue, JobMetrics metrics, TimeProvider clock, IOptions<WorkerOptions> workerOptions, IOptions<LimitOptions> limits, AppDbContext db)
{
    public async Task<Results<Accepted<JobCreatedResponse>, ProblemHttpResult>> SubmitAsync(
        HttpContext context,
        Func<JsonElement, string, Task<(JobSpec? Spec, ValidationErrors Errors)>> map,
        CancellationToken cancellationToken)
    {
        var caller = Caller.From(context.User);
        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString();
        var (spec, problem) = await ReadSpecAsync(context, body => map(body, id), cancellationToken);
        if (spec is null)
        {
            return problem!;
        }

        if (await QuotaProblemAsync(context, caller.TenantId, now, cancellationToken) is { } refused)
        {
            return refused;
        }

        var job = new Job
        {
            Id = id,
            TenantId = caller.TenantId,
            ApiKeyId = caller.KeyId,
            Status = JobStatus.Queued,
            Priority = (int)spec.Priority,
            SpecJson = JsonSerializer.Serialize(spec, JsonDefaults.Options),
            CreatedAt = now.UtcDateTime,
            UpdatedAt = now.UtcDateTime,
            OutputPath = spec.Output.Path,
            MaxAttempts = workerOptions.Value.MaxAttempts,
        };
        await queue.EnqueueAsync(job, cancellationToken);
        await context.AuditAsync(Core.Audit.AuditActions.JobCreate, id, detail: context.Request.Path);
        metrics.Submitted.Add(1, new KeyValuePair<string, object?>("format", spec.Output.Format));
        var view = JobView.From(job);
        return TypedResults.Accepted(view.Links.Self, new JobCreatedResponse(view, null, []));
    }

    /// <summary>A JSON job body mapped to a spec; otherwise the 415 (not JSON) or 422 (field errors) to answer.</summary>
    public static async Task<(JobSpec? Spec, ProblemHttpResult? Problem)> ReadSpecAsync(
        HttpContext context, Func<JsonElement, Task<(JobSpec? Spec, ValidationErrors Errors)>> map, CancellationToken cancellationToken)
    {
        if (context.Request.HasJsonContentType() is false)
        {
            return (null, ApiProblem.Create(context, 415, ErrorCodes.InvalidRequest, "Send the job as application/json."));
        }

        using var document = await JsonDocument.ParseAsync(context.Request.Body, default, cancellationToken);
        var (spec, errors) = await map(document.RootElement);
        return spec is null
            ? (null, ApiProblem.Create(context, 422, errors.Code, errors.Summary(), errors.ToDictionary(), errors.LeadDetail()))
            : (spec, null);
    }

    /// <summary>
    /// The tenant's quotas: queued + running jobs, and jobs created today (UTC). Checked before the insert; two racing
    /// submits may both pass the last free slot, which overshoots by at most the number of concurrent requests.
    /// </summary>
    private async Task<ProblemHttpResult?> QuotaProblemAsync(HttpContext context, string tenantId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var quota = limits.Value;
        if (quota.MaxActiveJobsPerTenant > 0)
        {
            var active = await db.Jobs.CountAsync(j => j.TenantId == tenantId && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running), cancellationToken);
            if (active >= quota.MaxActiveJobsPerTenant)
            {
                context.Response.Headers.RetryAfter = "5";
                return ApiProblem.Create(context, 429, ErrorCodes.QuotaExceeded, $"{active} jobs are queued or running for this tenant; the limit is {quota.MaxActiveJobsPerTenant}. Retry when one finishes.");
            }
        }

        if (quota.MaxJobsPerDayPerTenant > 0)
        {
            var midnight = now.UtcDateTime.Date;
            var today = await db.Jobs.CountAsync(j => j.TenantId == tenantId && j.CreatedAt >= midnight, cancellationToken);
            if (today >= quota.MaxJobsPerDayPerTenant)
            {
                var retry = (int)Math.Ceiling((midnight.AddDays(1) - now.UtcDateTime).TotalSeconds);
                context.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return ApiProblem.Create(context, 429, ErrorCodes.QuotaExceeded, $"This tenant created {today} jobs today (UTC); the daily limit is {quota.MaxJobsPerDayPerTenant}.");
            }
        }

        return null;
    }
}
