using System.Text.Json;
using FfmpegApi.Core.Batches;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Endpoints.Jobs;

namespace FfmpegApi.Endpoints.Batch;

/// <summary>A batch on the wire: the summary every <c>batch.completed</c> event carries, with the full jobs.</summary>
public sealed record BatchView(
    string Id,
    string Mode,
    string Status,
    DateTime CreatedAt,
    DateTime? CompletedAt,
    int Total,
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<JobView> Jobs,
    BatchLinks Links)
{
    public static BatchView From(Core.Batches.Batch batch, IReadOnlyList<Job> jobs)
    {
        var summary = BatchSummary.From(batch, jobs);
        return new BatchView(
            summary.Id,
            summary.Mode,
            summary.Status,
            summary.CreatedAt,
            summary.CompletedAt,
            summary.Total,
            summary.Counts,
            [.. jobs.OrderBy(j => j.BatchIndex).Select(JobView.From)],
            new BatchLinks($"/api/v1/batch/{batch.Id}"));
    }
}

public sealed record BatchLinks(string Self);

/// <summary><c>POST /batch</c> answer: the batch, and in partial mode the jobs that were not created.</summary>
public sealed record BatchCreatedResponse(BatchView Batch, IReadOnlyList<BatchRejection> Rejected);

/// <summary>The <c>POST /batch</c> body (documentation type; the body is mapped from raw JSON so every mistake is named).</summary>
public sealed record BatchRequest(IReadOnlyList<BatchJobRequest> Jobs, string? Mode = "atomic");

/// <summary>One job of a batch: its kind, its body exactly as that endpoint takes it, and earlier jobs it waits for.</summary>
public sealed record BatchJobRequest(string Type, JsonElement Request, IReadOnlyList<int>? DependsOn = null);
