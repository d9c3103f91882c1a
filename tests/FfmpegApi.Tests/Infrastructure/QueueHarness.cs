using FfmpegApi.Core;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>
/// The Core services (queue, outbox, batches) on a fresh real database: SQLite in a temp dir, or a PostgreSQL database
/// of its own under <c>make test</c>. For tests of the queue without HTTP or ffmpeg.
/// </summary>
public sealed class QueueHarness : IAsyncDisposable
{
    private readonly string _dir;
    private readonly Dictionary<string, string?> _database;

    private QueueHarness(string dir, Dictionary<string, string?> database, ServiceProvider services)
    {
        _dir = dir;
        _database = database;
        Services = services;
    }

    public ServiceProvider Services { get; }

    /// <summary>The services' clock: the system's, or the <see cref="FakeTimeProvider"/> the test passed (leases, backoffs and timers then move only when it advances).</summary>
    public TimeProvider Clock => Services.GetRequiredService<TimeProvider>();

    public static async Task<QueueHarness> StartAsync(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? add = null, FakeTimeProvider? clock = null)
    {
        var dir = Directory.CreateTempSubdirectory("fa-queue-").FullName;
        var database = await TestDatabase.CreateAsync();
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDir"] = dir }
            .Concat(settings).Concat(database)).Build();
        var collection = new ServiceCollection().AddSingleton<IConfiguration>(config).AddLogging().AddFfmpegApiCore(config);
        if (clock is not null)
        {
            collection.AddSingleton<TimeProvider>(clock);
        }

        add?.Invoke(collection);
        var services = collection.BuildServiceProvider();
        await DatabaseSetup.MigrateAsync(services, CancellationToken.None);
        return new QueueHarness(dir, database, services);
    }

    /// <summary>Runs <paramref name="action"/> with a <see cref="JobQueue"/> of a new scope (as a request or a worker loop would).</summary>
    public async Task<T> Queue<T>(Func<IJobQueue, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<IJobQueue>());
    }

    public async Task Queue(Func<IJobQueue, Task> action)
    {
        await using var scope = Services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<IJobQueue>());
    }

    /// <summary>Reads with a fresh <see cref="AppDbContext"/>.</summary>
    public async Task<T> Db<T>(Func<AppDbContext, Task<T>> read)
    {
        await using var scope = Services.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    /// <summary>
    /// Enqueues a job made from <paramref name="job"/> (created <see cref="TestJob.AgeSeconds"/> before the harness's
    /// clock; waiting when it depends on another job of its batch) and returns its id.
    /// </summary>
    public async Task<string> AddAsync(TestJob job)
    {
        var created = Clock.GetUtcNow().UtcDateTime.AddSeconds(-job.AgeSeconds);
        var row = new Job
        {
            Id = Guid.CreateVersion7().ToString(),
            TenantId = job.Tenant,
            ApiKeyId = "k",
            Status = job.Batch?.DependsOn is null ? JobStatus.Queued : JobStatus.Waiting,
            Priority = job.Priority,
            SpecJson = job.Spec,
            BatchId = job.Batch?.Id,
            BatchIndex = job.Batch?.Index,
            DependsOn = job.Batch?.DependsOn,
            CreatedAt = created,
            UpdatedAt = created,
            OutputPath = "/storage/output/x.mp4",
            Attempts = job.Attempts,
            MaxAttempts = job.MaxAttempts,
            Requires = (int)job.Requires,
        };
        await Queue(q => q.EnqueueAsync(row, CancellationToken.None));
        return row.Id;
    }

    public Task<Job> LoadAsync(string id) => Db(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id));

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await TestDatabase.DropAsync(_database);
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>A job for the queue tests: who, how urgent, how old, what it needs, where it sits in a batch.</summary>
public sealed record TestJob(string Tenant = "t", int Priority = 1, int AgeSeconds = 0)
{
    public int Attempts { get; init; }

    public int MaxAttempts { get; init; } = 3;

    public WorkerCapability Requires { get; init; }

    public string Spec { get; init; } = "{}";

    public (string Id, int Index, string? DependsOn)? Batch { get; init; }
}
