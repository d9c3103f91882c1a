using System.Diagnostics;
using System.Globalization;
using FfmpegApi.Core;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Queue;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FfmpegApi.Bench;

/// <summary>
/// The queue alone, no ffmpeg: no-op jobs claimed and completed per second by 4 concurrent claim loops (each its own
/// connection), through the production code path (claim with its job.started outbox write, completion with its
/// job.completed write and batch check). SQLite (one process) and, when <c>scripts/bench.sh</c> started one, PostgreSQL.
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
            var sqlite = await MeasureAsync(new Dictionary<string, string?> { ["Storage:DataDir"] = dir }, jobs);
            rows.Add(Row($"no-op jobs claimed + completed per second, SQLite, {Workers} claim loops ({jobs} jobs)", sqlite, "", null));
            if (Environment.GetEnvironmentVariable("FFMPEG_API_BENCH_POSTGRES") is { Length: > 0 } server)
            {
                var name = "fa_bench_" + Guid.NewGuid().ToString("N");
                await ExecuteAsync(server, $"CREATE DATABASE {name}");
                try
                {
                    var postgres = await MeasureAsync(
                        new Dictionary<string, string?>
                        {
                            ["Storage:DataDir"] = dir,
                            ["Database:Provider"] = "postgres",
                            ["Database:ConnectionString"] = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString,
                        },
                        jobs);
                    rows.Add(Row($"no-op jobs claimed + completed per second, PostgreSQL (SKIP LOCKED), {Workers} claim loops ({jobs} jobs)", postgres, "≥ 1000/s", postgres >= 1000));
                    rows.Add(Row("PostgreSQL ÷ SQLite throughput, same run", postgres / sqlite, "", null));
                }
                finally
                {
                    NpgsqlConnection.ClearAllPools();
                    await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                }
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }

        return rows;
    }

    private static async Task<double> MeasureAsync(Dictionary<string, string?> settings, int count)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var services = new ServiceCollection().AddSingleton<IConfiguration>(config).AddLogging().AddFfmpegApiCore(config).BuildServiceProvider();
        await DatabaseSetup.MigrateAsync(services, CancellationToken.None);
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        for (var start = 0; start < count; start += 500)
        {
            var batch = Enumerable.Range(start, Math.Min(500, count - start)).Select(i => new Job
            {
                Id = Guid.CreateVersion7().ToString(),
                TenantId = $"t{i % 10}",
                ApiKeyId = "bench",
                Status = JobStatus.Queued,
                Priority = 1,
                SpecJson = "{}",
                CreatedAt = now,
                UpdatedAt = now,
                OutputPath = "/storage/output/noop",
            }).ToList();
            await using var scope = services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<JobQueue>().EnqueueAsync(batch, null, CancellationToken.None);
        }

        var done = new JobProgress("completed", 100, null, null, 0, null, null, null);
        var clock = Stopwatch.StartNew();
        var completed = await Task.WhenAll(Enumerable.Range(0, Workers).Select(async w =>
        {
            var n = 0;
            while (true)
            {
                await using var scope = services.CreateAsyncScope();
                var queue = scope.ServiceProvider.GetRequiredService<JobQueue>();
                if (await queue.ClaimAsync($"bench/{w}", CancellationToken.None) is not { } job)
                {
                    return n;
                }

                if (await queue.CompleteAsync(job.Id, $"bench/{w}", done, "{}", null, string.Empty, CancellationToken.None) == TransitionResult.Applied)
                {
                    n++;
                }
            }
        }));
        var elapsed = clock.Elapsed.TotalSeconds;
        if (completed.Sum() != count)
        {
            throw new InvalidOperationException($"completed {completed.Sum()} of {count} no-op jobs");
        }

        return count / elapsed;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string Row(string measure, double value, string goal, bool? met) =>
        string.Create(CultureInfo.InvariantCulture, $"| {measure} | {value:F1} | {goal} | {(met is null ? string.Empty : met.Value ? "yes" : "no")} |");
}
