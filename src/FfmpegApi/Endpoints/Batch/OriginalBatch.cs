using System.Text.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Endpoints.Jobs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Batch;

/// <summary>
/// The original API's batch body, recognised by its shape: <c>{ jobs: [{ input, output, operations, options, priority }],
/// batch_name, webhook_url, webhook_events, validate_files }</c>. It is rewritten as a partial batch of convert jobs (the
/// original created the jobs it could and warned about the rest), each job carrying the batch's webhook, and answered
/// with the original's fields beside ours.
/// </summary>
internal static class OriginalBatch
{
    /// <summary>The members only the original's batch body has.</summary>
    private static readonly string[] OriginalOnly = ["batch_name", "webhook_url", "webhook_events", "validate_files"];

    private static readonly string[] TopLevel = ["jobs", .. OriginalOnly];

    /// <summary>Whether <paramref name="body"/> has the original's shape (a field only it has, or jobs that are convert bodies).</summary>
    public static bool Is(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object
        && (body.EnumerateObject().Any(p => OriginalOnly.Contains(p.Name))
            || (body.TryGetProperty("jobs", out var jobs) && jobs.ValueKind == JsonValueKind.Array && jobs.GetArrayLength() > 0
                && jobs.EnumerateArray().All(j => j.ValueKind == JsonValueKind.Object && j.TryGetProperty("input", out _) && !j.TryGetProperty("request", out _))));

    /// <summary>Our batch body for the original's and its <c>batch_name</c>, or null with its top-level mistakes.</summary>
    public static (JsonElement Body, string? Name)? Rewrite(JsonElement body, ValidationErrors errors)
    {
        var fields = new JsonFields(errors);
        fields.RejectUnknown(body, string.Empty, InvalidRequest, TopLevel);
        var batchName = fields.String(body, "batch_name", string.Empty, InvalidRequest);
        if (body.TryGetProperty("validate_files", out var validate) && validate.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
        {
            errors.Add("validate_files", "Must be true or false.", InvalidRequest);
        }

        if (!body.TryGetProperty("jobs", out var jobs) || jobs.ValueKind != JsonValueKind.Array)
        {
            errors.Add("jobs", "Required: an array of jobs, each { input, output, operations, options, priority }.", InvalidRequest);
        }

        if (errors.Any)
        {
            return null;
        }

        var rewritten = new JsonArray();
        foreach (var job in jobs.EnumerateArray())
        {
            var request = JsonNode.Parse(job.GetRawText());
            if (request is JsonObject convert)
            {
                foreach (var name in (string[])["webhook_url", "webhook_events"])
                {
                    if (body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null && !convert.ContainsKey(name))
                    {
                        convert[name] = JsonNode.Parse(value.GetRawText());
                    }
                }
            }

            rewritten.Add(new JsonObject { ["type"] = "convert", ["request"] = request });
        }

        return (JsonSerializer.SerializeToElement(new JsonObject { ["mode"] = Core.Batches.Batch.Partial, ["jobs"] = rewritten }, JsonDefaults.Options), batchName);
    }

    /// <summary>A job's error as the original's client wrote the field: <c>jobs[1].request.input</c> → <c>jobs[1].input</c>.</summary>
    public static string FieldOf(string field)
    {
        var at = field.IndexOf("].request.", StringComparison.Ordinal);
        return at < 0 ? field : field[..(at + 2)] + field[(at + "].request.".Length)..];
    }

    /// <summary>The original's answer, with ours (<c>batch</c>, <c>rejected</c>) beside it.</summary>
    public static OriginalBatchCreatedResponse Answer(BatchView view, IReadOnlyList<BatchRejection> rejected, string? name)
    {
        var renamed = rejected.Select(r => r with { Errors = r.Errors.ToDictionary(e => FieldOf(e.Key), e => e.Value, StringComparer.Ordinal) }).ToList();
        var warnings = renamed.SelectMany(r => r.Errors.Select(e => $"Job {r.Index + 1} failed to create: {e.Key}: {string.Join(" ", e.Value)}")).ToList();
        return new OriginalBatchCreatedResponse(
            view.Id,
            view.Jobs.Count,
            view.Jobs,
            new OriginalBatchCost(null, 0, view.Jobs.Count, rejected.Count),
            warnings,
            name,
            view,
            renamed);
    }
}

/// <summary>
/// The answer to the original's batch body: its fields (<c>batch_id</c>, <c>total_jobs</c> created, <c>jobs</c>,
/// <c>estimated_cost</c>, <c>warnings</c> naming each job not created), the <c>batch_name</c> it sent, and ours.
/// </summary>
public sealed record OriginalBatchCreatedResponse(
    string BatchId,
    int TotalJobs,
    IReadOnlyList<JobView> Jobs,
    OriginalBatchCost EstimatedCost,
    IReadOnlyList<string> Warnings,
    string? BatchName,
    BatchView Batch,
    IReadOnlyList<BatchRejection> Rejected);

/// <summary>The original's cost block: no credits when self-hosted; processing time is POST /estimate's to answer (null here).</summary>
public sealed record OriginalBatchCost(double? ProcessingTimeSeconds, int Credits, int JobsCreated, int JobsFailed);
