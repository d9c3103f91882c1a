using System.Text.Json;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Media.Analysis;
using FfmpegApi.Media.Specs;
using FfmpegApi.Media.Streaming;
using FfmpegApi.Media.Thumbnails;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// A job on the wire. Field names follow the original API (<c>progress</c> percent, <c>stage</c>,
/// <c>links</c>, <c>progress_details</c>; the running state is "processing"), plus our richer fields.
/// </summary>
public sealed record JobView(
    string Id,
    string Status,
    string Priority,
    double? Progress,
    string Stage,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? CompletedAt,
    DateTime UpdatedAt,
    double? EtaSeconds,
    double? Fps,
    double? Speed,
    int Attempts,
    JobErrorView? Error,
    string Input,
    JobOutputView Output,
    IReadOnlyList<OperationSpec> Operations,
    ProgressDetailsView ProgressDetails,
    JobLinks Links)
{
    /// <summary><c>convert</c>, <c>analyze</c>, <c>stream</c> or <c>thumbnails</c>.</summary>
    public string Kind { get; init; } = "convert";

    /// <summary>An analysis job's pooled metrics once completed (per-frame series are in the output report).</summary>
    public AnalysisResult? Analysis { get; init; }

    /// <summary>A streaming job's package once completed: manifest, renditions, dropped rungs.</summary>
    public StreamingResult? Streaming { get; init; }

    /// <summary>Every output of a job with several (<c>outputs: [...]</c>), in request order; null for one output.</summary>
    public IReadOnlyList<JobOutputView>? Outputs { get; init; }

    /// <summary>A thumbnail job's images (or sprite sheets and storyboard) once completed.</summary>
    public ThumbnailResult? Thumbnails { get; init; }

    /// <summary>For a job submitted in a batch: the batch, the job's index in it and the jobs it waits for.</summary>
    public JobBatchView? Batch { get; init; }

    /// <summary>Attempts the job may use; transient failures (worker lost, storage error) retry until then, then it is dead.</summary>
    public int MaxAttempts { get; init; }

    /// <summary>
    /// Conversions: how the last run used video hardware — a device (<c>nvidia:0</c>), <c>software</c>, or
    /// <c>fallback</c> (a named vendor was not available, or the device path failed and the run was repeated in software).
    /// </summary>
    public string? Hardware { get; init; }

    /// <summary>For an output with <c>target_vmaf</c>: the CRF search (trials), the CRF used and the VMAF achieved.</summary>
    public QualityResult? Quality { get; init; }

    /// <summary>For a job waiting to be retried after a transient failure: when it may start again.</summary>
    public DateTime? RetryAt { get; init; }

    /// <summary>Every run that ended, oldest first (only in <c>GET /jobs/{id}</c>).</summary>
    public IReadOnlyList<JobAttemptView>? AttemptHistory { get; init; }

    public static JobView From(Job job)
    {
        var spec = job.Spec();
        var metadata = MetadataOf(job);
        var progress = WireProgress(job);
        var elapsed = job.StartedAt is { } s ? ((job.CompletedAt ?? job.UpdatedAt) - s).TotalSeconds : (double?)null;
        var result = job.ResultJson;
        var analysis = result is null || spec is not AnalyzeSpec ? null : JsonSerializer.Deserialize<AnalysisResult>(result, JsonDefaults.Options);
        var streaming = result is null || spec is not StreamSpec ? null : JsonSerializer.Deserialize<StreamingResult>(result, JsonDefaults.Options);
        var thumbnails = result is null || spec is not ThumbnailsSpec ? null : JsonSerializer.Deserialize<ThumbnailResult>(result, JsonDefaults.Options);
        var published = result is null || spec is not ConvertSpec ? null : JsonSerializer.Deserialize<ConvertResult>(result, JsonDefaults.Options);
        IReadOnlyList<JobOutputView>? outputs = spec.AllOutputs.Count == 1
            ? null
            : [.. spec.AllOutputs.Select((o, i) => new JobOutputView(o.Path, o.Format, o.Video?.Codec, o.Audio?.Codec, published?.Outputs.ElementAtOrDefault(i)))];
        var links = new JobLinks($"/api/v1/jobs/{job.Id}", $"/api/v1/jobs/{job.Id}/events", $"/api/v1/jobs/{job.Id}/logs", $"/api/v1/jobs/{job.Id}/output");
        return new JobView(
            job.Id,
            JobStateMachine.ToWire(job.Status),
            ((JobPriority)job.Priority).ToString().ToLowerInvariant(),
            progress,
            job.Stage,
            job.CreatedAt,
            job.StartedAt,
            job.CompletedAt,
            job.UpdatedAt,
            job.EtaSeconds,
            job.Fps,
            job.Speed,
            job.Attempts,
            job.ErrorCode is null && job.ErrorMessage is null || job.Status is JobStatus.Cancelled or JobStatus.Completed ? null : new JobErrorView(job.ErrorCode ?? "ERROR", job.ErrorMessage ?? string.Empty),
            spec.Input,
            new JobOutputView(spec.Output.Path, spec.Output.Format, spec.Output.Video?.Codec, spec.Output.Audio?.Codec, metadata),
            (spec as ConvertSpec)?.Operations ?? [],
            new ProgressDetailsView(progress, job.Stage, job.Fps, null, null, elapsed is { } e ? Math.Round(Math.Max(0, e), 1) : null, job.EtaSeconds, new QualityView(analysis?.Metrics.GetValueOrDefault("vmaf")?.Mean ?? published?.Quality?.AchievedVmaf, analysis?.Metrics.GetValueOrDefault("psnr")?.Mean)),
            links)
        {
            Kind = spec.Kind,
            Analysis = analysis,
            Streaming = streaming,
            Thumbnails = thumbnails,
            Outputs = outputs,
            Quality = published?.Quality,
            Batch = job.BatchId is null ? null : new JobBatchView(job.BatchId, job.BatchIndex ?? 0, job.DependencyIds, $"/api/v1/batch/{job.BatchId}"),
            MaxAttempts = job.MaxAttempts,
            Hardware = job.Hardware,
            RetryAt = job.Status == JobStatus.Queued ? job.RunAfter : null,
        };
    }

    /// <summary>Progress as clients see it: 0 while queued, 100 once completed, otherwise the last reading (or null).</summary>
    public static double? WireProgress(Job job) => job.Status switch
    {
        JobStatus.Queued or JobStatus.Waiting => 0,
        JobStatus.Completed => 100,
        _ => job.Progress,
    };

    /// <summary>The ffprobe read-back of a completed job's output, or null before completion.</summary>
    public static OutputMetadata? MetadataOf(Job job) =>
        job.OutputJson is null ? null : JsonSerializer.Deserialize<OutputMetadata>(job.OutputJson, JsonDefaults.Options);
}

public sealed record JobErrorView(string Code, string Message);

/// <summary>One ended run: <c>completed</c>, <c>failed</c>, <c>cancelled</c>, <c>retried</c>, <c>lost</c> (worker stopped renewing its lease), <c>released</c> (handed back at shutdown) or <c>dead</c>.</summary>
public sealed record JobAttemptView(int Attempt, string Outcome, string? Worker, DateTime? StartedAt, DateTime EndedAt, JobErrorView? Error, DateTime? RetryAt)
{
    public static JobAttemptView From(JobAttempt a) =>
        new(a.Number, a.Outcome, a.WorkerId, a.StartedAt, a.EndedAt, a.ErrorCode is null && a.ErrorMessage is null ? null : new JobErrorView(a.ErrorCode ?? "ERROR", a.ErrorMessage ?? string.Empty), a.RetryAt);
}

public sealed record JobBatchView(string Id, int Index, IReadOnlyList<string> DependsOn, string Link);

/// <summary>The requested output, and once completed, what ffprobe read back from it (<c>metadata</c>).</summary>
public sealed record JobOutputView(string Path, string Format, string? VideoCodec, string? AudioCodec, OutputMetadata? Metadata);

public sealed record ProgressDetailsView(double? Percentage, string Stage, double? Fps, double? Bitrate, long? SizeBytes, double? TimeElapsed, double? EtaSeconds, QualityView Quality);

public sealed record QualityView(double? Vmaf, double? Psnr);

public sealed record JobLinks(string Self, string Events, string Logs, string Output);

/// <summary><c>POST /convert</c> answer: the original's envelope.</summary>
public sealed record JobCreatedResponse(JobView Job, object? EstimatedCost, IReadOnlyList<string> Warnings);

public sealed record JobListResponse(IReadOnlyList<JobView> Jobs, int Total, int Page, int PerPage, bool HasNext, bool HasPrev);

public sealed record JobCancelResponse(string Id, string Status, string Message);

public sealed record JobLogsResponse(string Id, string Status, IReadOnlyList<string> Lines);
