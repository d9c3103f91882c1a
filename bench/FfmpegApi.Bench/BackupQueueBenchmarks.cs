using System.Diagnostics;
using System.Globalization;
using FfmpegApi.Core;
using FfmpegApi.Core.Backup;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FfmpegApi.Bench;

/// <summary>
/// The queue while a PostgreSQL backup runs (#28 part 4). <c>pg_dump</c> reads everything inside one repeatable-read
/// snapshot; while it lasts, vacuum cannot remove the dead rows the queue leaves behind, which is known to cost plain
/// SKIP LOCKED queues a third of their claim rate. A database of finished jobs (each with a 1 KB log, as real ones have)
/// is backed up while the no-op claim + complete loop of <see cref="QueueBenchmarks"/> runs, against the same loop on the
/// same database without a backup.
/// </summary>
internal static class BackupQueueBenchmarks
{
    public static async Task<List<string>> RunAsync(bool quick)
    {
        if (Environment.GetEnvironmentVariable("FFMPEG_API_BENCH_POSTGRES") is not { Length: > 0 } server)
        {
            return [];
        }

        var finished = quick ? 300_000 : 1_000_000;
        var jobs = quick ? 2000 : 6000;
        var dir = Directory.CreateTempSubdirectory("fa-bench-backup-").FullName;
        try
        {
            var share = Environment.GetEnvironmentVariable("FFMPEG_API_BENCH_DUMP_SHARE") is { Length: > 0 } p ? double.Parse(p, CultureInfo.InvariantCulture) : BackupOptions.DefaultDumpShare;
            var (without, full, paced, snapshotOnly) = await QueueBenchmarks.OnPostgresAsync<(double, Dump, Dump?, double)>(server, dir, async settings =>
            {
                var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
                await using var services = new ServiceCollection().AddSingleton<IConfiguration>(config).AddLogging().AddFfmpegApiCore(config).BuildServiceProvider();
                await DatabaseSetup.MigrateAsync(services, CancellationToken.None);
                await SeedAsync(settings["Database:ConnectionString"]!, finished);
                var alone = await QueueBenchmarks.MeasureAsync(settings, jobs, slots: 8, processes: 4);
                var full = await DuringDumpAsync(settings, dir, jobs, 1);
                var paced = share < 1 ? await DuringDumpAsync(settings, dir, jobs, share) : null;

                // The snapshot alone (a repeatable-read transaction kept open, no dump): what dead rows cost the claims.
                await using var holder = new NpgsqlConnection(settings["Database:ConnectionString"]!);
                await holder.OpenAsync();
                await using var snapshot = await holder.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
                await using (var read = new NpgsqlCommand("SELECT count(*) FROM jobs", holder, snapshot))
                {
                    await read.ExecuteScalarAsync();
                }

                var held = await QueueBenchmarks.MeasureAsync(settings, jobs, slots: 8, processes: 4);
                await snapshot.RollbackAsync();
                return (alone, full, paced, held);
            });
            var rows = new List<string> { DumpRow(full, without, finished, jobs, "at full speed (`Backup:DumpShare` 1)") };
            if (paced is { } slow)
            {
                rows.Add(DumpRow(slow, without, finished, jobs, string.Create(CultureInfo.InvariantCulture, $"working {share:P0} of the time (`Backup:DumpShare` {share:0.##}{(share == BackupOptions.DefaultDumpShare ? ", the default" : string.Empty)})")));
            }

            rows.Add(string.Create(CultureInfo.InvariantCulture, $"| the same with only a repeatable-read snapshot held open (no dump: what the vacuum horizon alone costs) ÷ the rate without ({snapshotOnly:F0} jobs/s) | {snapshotOnly / without:F3} | | |"));
            return rows;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed record Dump(double Rate, double Seconds, bool Outlasted, long Bytes);

    /// <summary>The claim rate while the service's backup works <paramref name="share"/> of the time, the claims starting once pg_dump copies.</summary>
    private static async Task<Dump> DuringDumpAsync(Dictionary<string, string?> settings, string dir, int jobs, double share)
    {
        var withPace = new Dictionary<string, string?>(settings) { ["Backup:DumpShare"] = share.ToString(CultureInfo.InvariantCulture) };
        var config = new ConfigurationBuilder().AddInMemoryCollection(withPace).Build();
        await using var services = new ServiceCollection().AddSingleton<IConfiguration>(config).AddLogging().AddFfmpegApiCore(config).BuildServiceProvider();
        var file = Path.Combine(dir, $"bench-{share}.dump");
        Task<double>? backup = null;
        var rate = await QueueBenchmarks.MeasureAsync(settings, jobs, slots: 8, processes: 4, beforeClaims: async () =>
        {
            var clock = Stopwatch.StartNew();
            backup = Task.Run(async () =>
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                await scope.ServiceProvider.GetRequiredService<IDatabaseBackup>().WriteAsync(db, file, CancellationToken.None);
                return clock.Elapsed.TotalSeconds;
            });
            await WaitForDumpAsync(settings["Database:ConnectionString"]!);
        });
        var outlasted = !backup!.IsCompleted;
        var seconds = await backup;
        var bytes = new FileInfo(file).Length;
        File.Delete(file);
        return new Dump(rate, seconds, outlasted, bytes);
    }

    private static string DumpRow(Dump dump, double without, int finished, int jobs, string how) =>
        string.Create(CultureInfo.InvariantCulture, $"| PostgreSQL no-op claim + complete rate while `pg_dump` backs up a database of {finished:N0} finished jobs, {how}, ÷ the rate without ({dump.Rate:F0} / {without:F0} jobs/s, {jobs} jobs each; the backup ({dump.Bytes / 1048576.0:F0} MB) took {dump.Seconds:F1} s{(dump.Outlasted ? " and outlasted the run" : ", ending before the run did")}) | {dump.Rate / without:F3} | ≥ 0.8 | {(dump.Rate / without >= 0.8 ? "yes" : "no")} |");

    /// <summary>Copies one finished job <paramref name="count"/> times in SQL (every column the schema has, a 1 KB log).</summary>
    private static async Task SeedAsync(string connectionString, int count)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO jobs (id, tenant_id, api_key_id, status, priority, spec_json, created_at, updated_at, completed_at, output_path, stage, progress, attempts, max_attempts, requires, cancel_requested, log) VALUES ('seed-template', 't0', 'bench', $1, 1, '{}', $2, $2, $2, '/storage/output/seed', 'completed', 100, 1, 3, 0, false, repeat('x', 1000))", connection))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = nameof(JobStatus.Completed) });
            insert.Parameters.Add(new NpgsqlParameter { Value = TimeProvider.System.GetUtcNow().UtcDateTime });
            await insert.ExecuteNonQueryAsync();
        }

        var columns = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT column_name FROM information_schema.columns WHERE table_name = 'jobs' AND column_name <> 'id' ORDER BY ordinal_position", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add('"' + reader.GetString(0) + '"');
            }
        }

        var names = string.Join(", ", columns);
        await using var copy = new NpgsqlCommand($"INSERT INTO jobs (id, {names}) SELECT 'seed-' || g, {names} FROM jobs, generate_series(1, {count}) g WHERE jobs.id = 'seed-template'; ANALYZE jobs;", connection) { CommandTimeout = 600 };
        await copy.ExecuteNonQueryAsync();
    }

    /// <summary>Waits until pg_dump has its snapshot (its COPY of a table is running), at most 30 s.</summary>
    private static async Task WaitForDumpAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await using var probe = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pg_dump' AND query LIKE 'COPY %'", connection);
            if ((long)(await probe.ExecuteScalarAsync())! > 0)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new InvalidOperationException("pg_dump did not start copying within 30 s");
    }
}
