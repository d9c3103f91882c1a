using FfmpegApi.Core.Auth;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Queue;
using FfmpegApi.Core.Storage;
using FfmpegApi.Core.Webhooks;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core;

public static class ServiceCollectionExtensions
{
    /// <summary>Jobs, queue, storage, keys and data. Workers are added separately (<see cref="AddWorkers"/>).</summary>
    public static IServiceCollection AddFfmpegApiCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        AddDatabaseAndQueue(services, configuration);
        AddStorage(services);
        AddMediaTools(services);
        AddJobs(services, configuration);
        AddKeys(services);
        AddBackup(services, configuration);
        AddCaching(services, configuration);
        AddWebhookOutbox(services, configuration);
        return services;
    }

    /// <summary>The database for the configured provider, and the queue, cluster bus and backup engine that go with it (chosen once, here).</summary>
    private static void AddDatabaseAndQueue(IServiceCollection services, IConfiguration configuration)
    {
        services.AddBoundOptions(configuration, StorageOptions.Section, out StorageOptions storage).ValidateDataAnnotations()
            .Validate(o => o.Profiles.Values.All(p => p.Scheme != "gs" || (!string.IsNullOrEmpty(p.AccessKey) && !string.IsNullOrEmpty(p.SecretKey))), "Storage:Profiles:*: a 'gcs' profile needs AccessKey and SecretKey (a GCS HMAC key).")
            .ValidateOnStart();
        services.AddBoundOptions(configuration, DatabaseOptions.Section, out DatabaseOptions database).ValidateDataAnnotations().ValidateOnStart();
        Directory.CreateDirectory(storage.FullDataDir);
        DatabaseSetup.AddDatabase(services, storage, database);
        if (DatabaseSetup.IsPostgres(database))
        {
            services.AddScoped<IJobQueue, PostgresJobQueue>();
            services.AddSingleton<Backup.IDatabaseBackup, Backup.PostgresBackup>();
            services.AddSingleton<PostgresClusterBus>();
            services.AddSingleton<IClusterBus>(sp => sp.GetRequiredService<PostgresClusterBus>());
            services.AddHostedService(sp => sp.GetRequiredService<PostgresClusterBus>());
        }
        else
        {
            services.AddScoped<IJobQueue, SqliteJobQueue>();
            services.AddSingleton<Backup.IDatabaseBackup, Backup.SqliteBackup>();
            services.AddSingleton<IClusterBus, NullClusterBus>();
        }
    }

    /// <summary>Storage mounts and object stores, remote inputs, inline credentials, tus uploads.</summary>
    private static void AddStorage(IServiceCollection services)
    {
        services.AddSingleton<StorageMounts>();
        services.AddOptions<Storage.Http.RemoteInputOptions>().BindConfiguration(Storage.Http.RemoteInputOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Storage.Http.RemoteInputFetcher>();
        services.AddSingleton<Storage.Blobs.StorageMetrics>();
        services.AddSingleton<Storage.Blobs.BlobStores>();
        services.AddSingleton<InputSources>();
        services.AddSingleton<Storage.Blobs.InlineCredentials>();
        services.AddOptions<UploadOptions>().BindConfiguration(UploadOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<UploadStore>();
        services.AddHostedService<UploadSweeper>();
    }

    /// <summary>The ffmpeg tools and what they can do here: encoders, hardware, upscaling models, quality metrics.</summary>
    private static void AddMediaTools(IServiceCollection services)
    {
        services.AddOptions<FfmpegOptions>().BindConfiguration(FfmpegOptions.Section).ValidateDataAnnotations().ValidateOnStart()
            .PostConfigure<IOptions<StorageOptions>>((ffmpeg, storage) => ffmpeg.OutputTrialCache ??= Path.Combine(storage.Value.FullDataDir, "cache"));
        services.AddSingleton<FfmpegTools>();
        services.AddOptions<Processing.Hardware.HardwareOptions>().BindConfiguration(Processing.Hardware.HardwareOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Assume.All(v => v.ToLowerInvariant() is "nvidia" or "intel" or "vaapi"), "Hardware:Assume takes nvidia, intel and vaapi.")
            .Validate(o => new[] { o.MaxSessions.Nvidia, o.MaxSessions.Intel, o.MaxSessions.Vaapi }.All(n => n is >= 1 and <= 1024), "Hardware:MaxSessions values must be 1 to 1024.")
            .ValidateOnStart();
        services.AddSingleton<Processing.Hardware.HardwareService>();
        services.AddOptions<Upscaling.UpscaleOptions>().BindConfiguration(Upscaling.UpscaleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<Upscaling.UpscaleOptions>, Upscaling.UpscaleOptionsValidator>();
        services.AddSingleton<Upscaling.UpscaleModels>();
        services.AddOptions<QualityOptions>().BindConfiguration(QualityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
    }

    /// <summary>The job lifecycle shared by API and worker processes: transitions and their effects, progress, cancellation, batches, metrics.</summary>
    private static void AddJobs(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobOptions>().BindConfiguration(JobOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddBoundOptions(configuration, WorkerOptions.Section, out WorkerOptions _).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ProgressHub>();
        services.AddSingleton<RunningJobs>();
        services.AddSingleton<QueueSignal>();
        services.AddSingleton<JobMetrics>();
        services.AddSingleton<WorkerIdentity>();
        services.AddSingleton<OutputPublisher>();
        services.AddScoped<Batches.BatchTracker>();
        services.AddSingleton<RetryPolicy>();
        services.AddSingleton<Processing.ClusterCapabilities>();
        services.AddScoped<JobTransitions>();
        services.AddSingleton<IQueueEffects, QueueEffects>();
        services.AddScoped<JobCancellation>();
        services.AddSingleton<CompletionCommitter>();
    }

    /// <summary>API keys (hashed, cached), idempotency records, the audit log.</summary>
    private static void AddKeys(IServiceCollection services)
    {
        services.AddOptions<KeyOptions>().BindConfiguration(KeyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<ApiKeyService>();
        services.AddScoped<KeyUsage>();
        services.AddSingleton<KeyCache>();
        services.AddScoped<Idempotency.IdempotencyStore>();
        services.AddScoped<Audit.AuditLog>();
    }

    /// <summary>Backups on demand (the schedule is the host's: API processes only).</summary>
    private static void AddBackup(IServiceCollection services, IConfiguration configuration)
    {
        services.AddBoundOptions(configuration, Backup.BackupOptions.Section, out Backup.BackupOptions _).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Backup.BackupService>();
        services.AddSingleton<Backup.BackupRunner>();
    }

    /// <summary>HybridCache in memory; Redis as its second level only when <c>Cache:Redis</c> is set.</summary>
    public static void AddCaching(IServiceCollection services, IConfiguration configuration)
    {
        services.AddBoundOptions(configuration, Caching.CacheOptions.Section, out Caching.CacheOptions cache).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Caching.CacheMetrics>();
        var redis = cache.Redis;
        if (!string.IsNullOrWhiteSpace(redis))
        {
            // HybridCache uses any registered IDistributedCache as its second level, shared by every process.
            services.AddStackExchangeRedisCache(o =>
            {
                o.Configuration = redis;
                o.InstanceName = "ffmpeg-api:";
            });
        }

        services.AddHybridCache();
    }

    /// <summary>The webhook outbox and secrets (every process writes events); the dispatcher is <see cref="AddWebhookDispatcher"/>.</summary>
    private static void AddWebhookOutbox(IServiceCollection services, IConfiguration configuration)
    {
        services.AddBoundOptions(configuration, WebhookOptions.Section, out WebhookOptions webhooks).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(new Net.OutboundTargetPolicy(webhooks.AllowedTargets, webhooks.AllowHttp));
        services.AddSingleton<WebhookSignal>();
        services.AddSingleton<WebhookMetrics>();
        services.TryAddSingleton<IWebhookJobRepresentation, MinimalJobRepresentation>();
        services.AddScoped<WebhookOutbox>();
        services.AddScoped<WebhookSecrets>();
        // The key ring lives in the database: every API and worker process can decrypt every secret.
        services.AddDataProtection().SetApplicationName("ffmpeg-api").PersistKeysToDbContext<AppDbContext>();
    }

    /// <summary>Sends the outbox (safe to run in several processes: deliveries are claimed with a guarded UPDATE).</summary>
    public static IServiceCollection AddWebhookDispatcher(this IServiceCollection services)
    {
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        return services;
    }

    public static IServiceCollection AddWorkers(this IServiceCollection services)
    {
        services.AddSingleton<JobRunner>();
        services.AddSingleton<RunOutcomes>();
        services.AddSingleton<RunMonitorFactory>();
        services.AddSingleton<InputResolver>();
        services.AddSingleton<InputProbe>();
        services.AddSingleton<PassRunner>();
        services.AddSingleton<UpscalePassRunner>();
        services.AddJobKinds();
        services.AddHostedService<WorkerService>();
        services.AddHostedService<WorkerHeartbeat>();
        services.AddHostedService<LeaseExpiredJobReaper>();
        return services;
    }

    /// <summary>
    /// The job kinds this worker runs: one <see cref="IJobHandler"/> each (the runner picks the one that handles a
    /// spec) and their collaborators. A new kind registers its handler here.
    /// </summary>
    private static void AddJobKinds(this IServiceCollection services)
    {
        services.AddSingleton<Processing.Kinds.HardwareRecorder>();
        services.AddSingleton<Processing.Kinds.CrfSearcher>();
        services.AddSingleton<Processing.Kinds.LadderQuality>();
        services.AddSingleton<IJobHandler, Processing.Kinds.ConvertHandler>();
        services.AddSingleton<IJobHandler, Processing.Kinds.StreamHandler>();
        services.AddSingleton<IJobHandler, Processing.Kinds.ThumbnailsHandler>();
        services.AddSingleton<IJobHandler, Processing.Kinds.AnalysisHandler>();
    }

    /// <summary>Creates the data directory layout: storage root (with input/output) and workspace root.</summary>
    public static void EnsureDataLayout(IServiceProvider services)
    {
        var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        var mounts = services.GetRequiredService<StorageMounts>();
        Directory.CreateDirectory(storage.WorkspaceRoot);
        var root = mounts.Roots[StorageMounts.DefaultMount];
        Directory.CreateDirectory(Path.Combine(root, "input"));
        Directory.CreateDirectory(Path.Combine(root, "output"));
    }
}
