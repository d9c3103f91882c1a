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
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Profiles.Values.All(p => p.Scheme != "gs" || (!string.IsNullOrEmpty(p.AccessKey) && !string.IsNullOrEmpty(p.SecretKey))), "Storage:Profiles:*: a 'gcs' profile needs AccessKey and SecretKey (a GCS HMAC key).")
            .ValidateOnStart();
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<JobOptions>().BindConfiguration(JobOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<FfmpegOptions>().BindConfiguration(FfmpegOptions.Section).ValidateDataAnnotations().ValidateOnStart()
            .PostConfigure<IOptions<StorageOptions>>((ffmpeg, storage) => ffmpeg.OutputTrialCache ??= Path.Combine(storage.Value.FullDataDir, "cache"));
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Processing.Hardware.HardwareOptions>().BindConfiguration(Processing.Hardware.HardwareOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Assume.All(v => v.ToLowerInvariant() is "nvidia" or "intel" or "vaapi"), "Hardware:Assume takes nvidia, intel and vaapi.")
            .Validate(o => new[] { o.MaxSessions.Nvidia, o.MaxSessions.Intel, o.MaxSessions.Vaapi }.All(n => n is >= 1 and <= 1024), "Hardware:MaxSessions values must be 1 to 1024.")
            .ValidateOnStart();

        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        Directory.CreateDirectory(storage.FullDataDir);
        DatabaseSetup.AddDatabase(services, storage, database);
        if (DatabaseSetup.IsPostgres(database))
        {
            services.AddScoped<IJobQueue, PostgresJobQueue>();
            services.AddSingleton<PostgresClusterBus>();
            services.AddSingleton<IClusterBus>(sp => sp.GetRequiredService<PostgresClusterBus>());
            services.AddHostedService(sp => sp.GetRequiredService<PostgresClusterBus>());
        }
        else
        {
            services.AddScoped<IJobQueue, SqliteJobQueue>();
            services.AddSingleton<IClusterBus, NullClusterBus>();
        }

        services.AddSingleton(TimeProvider.System);
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
        services.AddSingleton<FfmpegTools>();
        services.AddOptions<Upscaling.UpscaleOptions>().BindConfiguration(Upscaling.UpscaleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<Upscaling.UpscaleOptions>, Upscaling.UpscaleOptionsValidator>();
        services.AddSingleton<Upscaling.UpscaleModels>();
        services.AddOptions<QualityOptions>().BindConfiguration(QualityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Backup.BackupService>();
        services.AddSingleton<Backup.BackupRunner>();
        services.AddOptions<Backup.BackupOptions>().BindConfiguration(Backup.BackupOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Processing.Hardware.HardwareService>();
        services.AddSingleton<ProgressHub>();
        services.AddSingleton<RunningJobs>();
        services.AddSingleton<QueueSignal>();
        services.AddMetrics();
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
        services.AddScoped<ApiKeyService>();
        services.AddScoped<Idempotency.IdempotencyStore>();
        AddCaching(services, configuration);
        services.AddSingleton<KeyCache>();
        services.AddScoped<Audit.AuditLog>();
        services.AddOptions<KeyOptions>().BindConfiguration(KeyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        AddWebhookOutbox(services, configuration);
        return services;
    }

    /// <summary>HybridCache in memory; Redis as its second level only when <c>Cache:Redis</c> is set.</summary>
    public static void AddCaching(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<Caching.CacheOptions>().BindConfiguration(Caching.CacheOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Caching.CacheMetrics>();
        var redis = configuration.GetSection(Caching.CacheOptions.Section).Get<Caching.CacheOptions>()?.Redis;
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
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var webhooks = configuration.GetSection(WebhookOptions.Section).Get<WebhookOptions>() ?? new WebhookOptions();
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
        // The host waits for the drain (and the hand-back after it) before it gives up on stopping.
        services.AddOptions<HostOptions>().Configure<IOptions<WorkerOptions>>((host, worker) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(Math.Max(host.ShutdownTimeout.TotalSeconds, worker.Value.DrainSeconds + 15)));
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
