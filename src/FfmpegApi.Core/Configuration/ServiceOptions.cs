using System.ComponentModel.DataAnnotations;

namespace FfmpegApi.Core.Configuration;

/// <summary>Where the service keeps its state. Section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Holds the SQLite database, the default <c>storage</c> mount and per-job workspaces.</summary>
    [Required]
    public string DataDir { get; set; } = "./data";

    /// <summary>Extra named mounts: <c>/name/…</c> in a job body maps to this directory.</summary>
    public Dictionary<string, string> Mounts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Accept the original API's inline <c>credentials</c> on object inputs and outputs (sealed with Data Protection,
    /// never echoed). Off by default: profiles are the way to give the service keys.
    /// </summary>
    public bool AllowInlineCredentials { get; set; }

    /// <summary>Object-store profiles by name (<c>Storage:Profiles:NAME:Type=s3</c>, endpoint, credentials, buckets).</summary>
    public Dictionary<string, StorageProfile> Profiles { get; set; } = new(StringComparer.Ordinal);

    public string FullDataDir => Path.GetFullPath(DataDir);

    public string WorkspaceRoot => Path.Combine(FullDataDir, "work");
}

/// <summary>Section <c>Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary><c>sqlite</c> (embedded default, one process) or <c>postgres</c> (API and worker processes share it).</summary>
    [RegularExpression("^(?i:sqlite|postgres)$", ErrorMessage = "Database:Provider must be 'sqlite' or 'postgres'.")]
    public string Provider { get; set; } = "sqlite";

    /// <summary>SQLite: empty means <c>Data Source={DataDir}/ffmpeg-api.db</c>. PostgreSQL: required (<c>Host=…;Database=…;Username=…;Password=…</c>).</summary>
    public string? ConnectionString { get; set; }
}

/// <summary>Section <c>Worker</c>.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>Jobs run at once by this process; 0 means half the cores (at least 1).</summary>
    [Range(0, 256)]
    public int Concurrency { get; set; }

    /// <summary>False for an API-only process.</summary>
    public bool Enabled { get; set; } = true;

    [Range(2, 3600)]
    public int LeaseSeconds { get; set; } = 30;

    [Range(1, 600)]
    public int ReaperIntervalSeconds { get; set; } = 15;

    /// <summary>How often an idle worker looks at the queue even without a wake-up signal (safety net).</summary>
    [Range(1, 600)]
    public int IdlePollSeconds { get; set; } = 5;

    /// <summary>Attempts a job gets unless it asks for its own (<c>options.max_attempts</c>); transient failures retry until then.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>First retry delay after a transient failure; doubles per attempt (with jitter) up to <see cref="RetryMaxSeconds"/>.</summary>
    [Range(0, 86400)]
    public int RetryBaseSeconds { get; set; } = 10;

    [Range(0, 86400)]
    public int RetryMaxSeconds { get; set; } = 600;

    /// <summary>Jobs of one tenant running at once across all workers, enforced in the claim; 0 = no limit.</summary>
    [Range(0, 100000)]
    public int TenantConcurrency { get; set; }

    /// <summary>
    /// On SIGTERM a worker stops claiming at once and lets running jobs finish for this long; what is still running
    /// then is stopped and handed back to the queue (lease released, the attempt not counted). 0: hand back at once.
    /// </summary>
    [Range(0, 3600)]
    public int DrainSeconds { get; set; } = 25;

    /// <summary>How often a worker process records that it is alive (GET /api/v1/admin/workers: stale after 3 missed beats).</summary>
    [Range(1, 3600)]
    public int HeartbeatSeconds { get; set; } = 10;

    /// <summary>A worker silent this long (3 missed heartbeats) is stale: listed so, and no longer counted as offering its capabilities.</summary>
    public TimeSpan StaleAfter => TimeSpan.FromSeconds(3 * HeartbeatSeconds);

    public int EffectiveConcurrency => Concurrency > 0 ? Concurrency : Math.Max(1, Environment.ProcessorCount / 2);
}

/// <summary>Section <c>Jobs</c>.</summary>
public sealed class JobOptions
{
    public const string Section = "Jobs";

    [Range(1, 604800)]
    public int DefaultTimeoutSeconds { get; set; } = 3600;

    [Range(1, 604800)]
    public int MaxTimeoutSeconds { get; set; } = 24 * 3600;

    /// <summary>A running ffmpeg that reports no progress for this long is stopped and the job failed.</summary>
    [Range(1, 86400)]
    public int StallTimeoutSeconds { get; set; } = 300;

    [Range(1, 100)]
    public int MaxOperations { get; set; } = 20;

    /// <summary>Jobs one <c>POST /batch</c> may create.</summary>
    [Range(1, 1000)]
    public int MaxBatchJobs { get; set; } = 100;

    /// <summary>The largest input file a job may read (default 10 GiB), checked at submit and again before the run.</summary>
    [Range(1, long.MaxValue)]
    public long MaxInputBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>The widest frame a job may decode or produce (with <see cref="MaxHeight"/>; either orientation).</summary>
    [Range(16, FfmpegApi.Media.Specs.Resolution.MaxSide)]
    public int MaxWidth { get; set; } = 7680;

    [Range(16, FfmpegApi.Media.Specs.Resolution.MaxSide)]
    public int MaxHeight { get; set; } = 4320;

    /// <summary><see cref="MaxWidth"/> x <see cref="MaxHeight"/>.</summary>
    public FfmpegApi.Media.Specs.FrameLimit Frames => new(MaxWidth, MaxHeight);

    /// <summary>A size in words for limit messages (GiB/MiB/KiB).</summary>
    public static string Describe(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.##} GiB"),
        >= 1L << 20 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.##} MiB"),
        _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.##} KiB"),
    };

    /// <summary>Progress is written to the database at most this often (SSE gets every update).</summary>
    [Range(50, 60000)]
    public int ProgressPersistMilliseconds { get; set; } = 1000;

    [Range(1, 60)]
    public int StopGraceSeconds { get; set; } = 5;
}

/// <summary>Section <c>Ffmpeg</c>.</summary>
public sealed class FfmpegOptions
{
    public const string Section = "Ffmpeg";

    [Required]
    public string FfmpegPath { get; set; } = "ffmpeg";

    [Required]
    public string FfprobePath { get; set; } = "ffprobe";

    [Range(1, 3600)]
    public int ProbeTimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// An ffmpeg built with libvmaf, used for VMAF when the main one lacks it (Debian's does). Empty: use the main
    /// ffmpeg if it has libvmaf, else <c>.tools/vmaf/ffmpeg</c> under the working directory or the app's parents
    /// (where <c>scripts/install-deps.sh</c> unpacks the npm package <c>@ffmpeg-installer/linux-x64</c>).
    /// </summary>
    public string? VmafFfmpegPath { get; set; }

    /// <summary>The VMAF model; empty: the bundled v0.6.1 model (<c>assets/vmaf/vmaf_v0.6.1.pkl</c>).</summary>
    public string? VmafModelPath { get; set; }

    /// <summary>
    /// A directory where the output-format trial's answer is kept across restarts, keyed by the ffmpeg binary and this
    /// release (docs/media.md#output-formats). Unset: <c>{Storage:DataDir}/cache</c>; empty: not kept (the trial runs
    /// at each start, some seconds of CPU in the background).
    /// </summary>
    public string? OutputTrialCache { get; set; }
}

/// <summary>Section <c>Health</c>.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>Readiness fails when the data directory's volume has less free space than this.</summary>
    [Range(0, long.MaxValue)]
    public long MinFreeDiskMegabytes { get; set; } = 512;

    /// <summary><c>/api/v1/health/detailed</c> is public by default (as in the original API); true requires a key.</summary>
    public bool DetailedRequiresKey { get; set; }
}

/// <summary>Section <c>Keys</c>.</summary>
public sealed class KeyOptions
{
    public const string Section = "Keys";

    /// <summary>How long a rotated-out key keeps working, so clients can switch without downtime.</summary>
    [Range(0, 30 * 24 * 3600)]
    public int RotationOverlapSeconds { get; set; } = 24 * 3600;

    /// <summary>
    /// How long a validated key is cached. Revocation and rotation on a process take effect there at once; other
    /// processes see them within this many seconds. 0 = read the database on every request.
    /// </summary>
    [Range(0, 3600)]
    public int CacheSeconds { get; set; } = 30;
}
