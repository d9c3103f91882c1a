using System.Diagnostics;
using System.Globalization;
using FfmpegApi.Core;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Queue;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FfmpegApi.Bench;

/// <summary>
/// The queue alone, no ffmpeg: no-op jobs claimed and completed per second through the production code path that
/// <c>WorkerService</c> and <c>JobRunner</c> use. Each of 4 workers claims up to its free slots in one claim
/// (<c>ClaimManyAsync</c>, with the <c>job.started</c> outbox write) and records the completions through its
/// <c>CompletionCommitter</c> (group commit, with the <c>job.completed</c> write and batch check). On PostgreSQL each
/// worker is its own service provider (its own connection pool and committer), as separate worker processes would be;
/// SQLite is one process. Measured with 8 slots per worker (the goal row), with 1 (one job per round trip), and with
/// the jobs of 1,000 tenants (the claim probes each tenant that has queued jobs).
/// </summary>
internal static class QueueBenchmarks
{
    private const int Workers = 4;

    public static async Task<List<string>> RunAsync(bool quick)
    {
        var jobs = quick ? 400 : 2000;
        var rows = new List<string>();
        var dir = Directory.CreateTempSubdirectory("fa-bench-queue-").FullName;
        try
        {
            var sqlite = await MeasureAsync(new Dictionary<string, string?> { ["Storage:DataDir"] = dir }, jobs, slots: 8, processes: 1);
            rows.Add(Row($"no-op jobs claimed + completed per second, SQLite, {Workers} workers × 8 slots ({jobs} jobs)", sqlite, "", null));
            if (Environment.GetEnvironmentVariable("FFMPEG_API_BENCH_POSTGRES") is { Length: > 0 } server)
            {
                var batched = await OnPostgresAsync(server, dir, settings => MeasureAsync(settings, jobs, slots: 8, processes: Workers));
                var single = await OnPostgresAsync(server, dir, settings => MeasureAsync(settings, jobs, slots: 1, processes: Workers));
                var crowded = await OnPostgresAsync(server, dir, settings => MeasureAsync(settings, jobs, slots: 8, processes: Workers, tenants: 1000));
                rows.Add(Row($"no-op jobs claimed + completed per second, PostgreSQL, {Workers} workers × 8 slots (batch claims, group commit; {jobs} jobs)", batched, "≥ 1000/s", batched >= 1000));
                rows.Add(Row($"the same with 1 slot per worker (one job per claim and per commit)", single, "", null));
                rows.Add(Row("PostgreSQL 8 slots ÷ 1 slot, same run", batched / single, "", null));
                rows.Add(Row($"the same with 8 slots, jobs spread over 1,000 tenants instead of 10", crowded, "", null));
                rows.Add(Row("PostgreSQL ÷ SQLite throughput (8 slots), same run", batched / sqlite, "", null));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }

        return rows;
    }

    /// <summary>Runs <paramref name="measure"/> against a fresh database on <paramref name="server"/>.</summary>
    internal static async Task<T> OnPostgresAsync<T>(string server, string dir, Func<Dictionary<string, string?>, Task<T>> measure)
    {
        var name = "fa_bench_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(server, $"CREATE DATABASE {name}");
        try
        {
            return await measure(new Dictionary<string, string?>
            {
                ["Storage:DataDir"] = dir,
                ["Database:Provider"] = "postgres",
                ["Database:ConnectionString"] = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString,
            });
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
    }

    /// <param name="beforeClaims">Runs once the jobs are queued, before the clock starts (the backup row starts its backup there).</param>
    internal static async Task<double> MeasureAsync(Dictionary<string, string?> settings, int count, int slots, int processes, int tenants = 10, Func<Task>? beforeClaims = null)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var providers = Enumerable.Range(0, processes)
            .Select(_ => new ServiceCollection().AddSingleton<IConfiguration>(config).AddLogging().AddFfmpegApiCore(config).BuildServiceProvider())
            .ToList();
        try
        {
            var services = providers[0];
            await DatabaseSetup.MigrateAsync(services, CancellationToken.None);
            var now = TimeProvider.System.GetUtcNow().UtcDateTime;
            for (var start = 0; start < count; start += 500)
            {
                var batch = Enumerable.Range(start, Math.Min(500, count - start)).Select(i => new Job
                {
                    Id = Guid.CreateVersion7().ToString(),
                    TenantId = $"t{i % tenants}",
                    ApiKeyId = "bench",
                    Status = JobStatus.Queued,
                    Priority = 1,
                    SpecJson = "{}",
                    CreatedAt = now,
                    UpdatedAt = now,
                    OutputPath = "/storage/output/noop",
                }).ToList();
                await using var scope = services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<IJobQueue>().EnqueueAsync(batch, null, CancellationToken.None);
            }

            if (beforeClaims is not null)
            {
                await beforeClaims();
            }

            var done = new JobProgress("completed", 100, null, null, 0, null, null, null);
            var clock = Stopwatch.StartNew();
            var completed = await Task.WhenAll(Enumerable.Range(0, Workers).Select(async w =>
            {
                var worker = providers[w % providers.Count];
                var committer = worker.GetRequiredService<CompletionCommitter>();
                var owners = Enumerable.Range(0, slots).Select(s => $"bench/{w}/{s}").ToList();
                var n = 0;
                while (true)
                {
                    IReadOnlyList<Job> claimed;
                    await using (var scope = worker.CreateAsyncScope())
                    {
                        claimed = await scope.ServiceProvider.GetRequiredService<IJobQueue>().ClaimManyAsync(owners, WorkerCapability.None, CancellationToken.None);
                    }

                    if (claimed.Count == 0)
                    {
                        return n;
                    }

                    var results = await Task.WhenAll(claimed.Select(job => committer.CompleteAsync(new Completion(job.Id, job.LeaseOwner!, done, "{}", null, string.Empty))));
                    n += results.Count(r => r == TransitionResult.Applied);
                }
            }));
            var elapsed = clock.Elapsed.TotalSeconds;
            if (completed.Sum() != count)
            {
                throw new InvalidOperationException($"completed {completed.Sum()} of {count} no-op jobs");
            }

            return count / elapsed;
        }
        finally
        {
            foreach (var provider in providers)
            {
                await provider.DisposeAsync();
            }
        }
    }

    internal static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string Row(string measure, double value, string goal, bool? met) =>
        string.Create(CultureInfo.InvariantCulture, $"| {measure} | {value:F1} | {goal} | {(met is null ? string.Empty : met.Value ? "yes" : "no")} |");
}
