namespace FfmpegApi.Core.Jobs;

/// <summary>A job row. The jobs table is the queue: status + priority + created_at order the work.</summary>
public sealed class Job
{
    public required string Id { get; init; }

    /// <summary>Every query filters by tenant; a key sees its tenant's jobs only (admin: all).</summary>
    public required string TenantId { get; init; }

    public required string ApiKeyId { get; init; }

    public JobStatus Status { get; set; }

    public int Priority { get; init; }

    /// <summary>The validated <c>JobSpec</c> as JSON (<see cref="JobDocuments"/>).</summary>
    public required string SpecJson { get; init; }

    /// <summary>The job's <see cref="JobDelivery"/> as JSON; null: none beyond the defaults, or a row from before it had its own column.</summary>
    public string? DeliveryJson { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime? CompletedAt { get; set; }

    public double? Progress { get; set; }

    public string Stage { get; set; } = "queued";

    public double? Fps { get; set; }

    public double? Speed { get; set; }

    public double? EtaSeconds { get; set; }

    public int Attempts { get; set; }

    public int MaxAttempts { get; set; } = 3;

    /// <summary>Not claimable before this time: set when a transient failure schedules a retry (backoff with jitter).</summary>
    public DateTime? RunAfter { get; set; }

    /// <summary>What a worker must have to run this job (<see cref="WorkerCapability"/> flags); 0 = any worker.</summary>
    public int Requires { get; init; }

    /// <summary>
    /// How the last run used video hardware: a device (<c>nvidia:0</c>), <c>software</c>, or <c>fallback</c> (the device
    /// path failed and the run was repeated in software). Null until a conversion has started.
    /// </summary>
    public string? Hardware { get; set; }

    /// <summary>The submit request's W3C traceparent, so the run continues its trace (null when tracing is off).</summary>
    public string? TraceParent { get; init; }

    public string? LeaseOwner { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }

    public bool CancelRequested { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    /// <summary>Virtual output path (e.g. <c>/storage/output/x.mp4</c>), set when the job is created.</summary>
    public required string OutputPath { get; init; }

    /// <summary>ffprobe of the published output (JSON of <c>OutputMetadata</c>).</summary>
    public string? OutputJson { get; set; }

    /// <summary>What an analysis job measured (JSON of <c>AnalysisResult</c>); null for conversions.</summary>
    public string? ResultJson { get; set; }

    /// <summary>The batch this job was submitted in (<c>POST /batch</c>), or null.</summary>
    public string? BatchId { get; init; }

    /// <summary>The job's position in its batch request.</summary>
    public int? BatchIndex { get; init; }

    /// <summary>Ids of the jobs in the same batch that must complete before this one is queued (space-separated), or null.</summary>
    public string? DependsOn { get; init; }

    public IReadOnlyList<string> DependencyIds => DependsOn?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>The job's log: our lines plus the ffmpeg stderr tail, written when the run ends.</summary>
    public string? Log { get; set; }

    /// <summary>Bytes of input the completed run read (metered per key and tenant; null before completion).</summary>
    public long? InputBytes { get; set; }

    /// <summary>Bytes the completed run published (metered per key and tenant; null before completion).</summary>
    public long? OutputBytes { get; set; }
}
