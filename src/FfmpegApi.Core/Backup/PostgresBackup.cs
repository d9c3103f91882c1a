using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FfmpegApi.Core.Backup;

/// <summary>
/// PostgreSQL: <c>pg_dump</c> custom format inside the snapshot the row counts were taken in; verified with
/// <c>pg_restore</c> into a scratch database on the same server; restored with <c>pg_restore --clean</c> in one
/// transaction. The scheduler's lock is a session advisory lock, so one process of the cluster backs up at a time.
/// </summary>
public sealed class PostgresBackup : IDatabaseBackup
{
    private const string History = "__ef_migrations_history";

    /// <summary>The advisory lock key held while a scheduled backup runs ("ffbk").</summary>
    private const long LockKey = 0x6666626b;

    public string Format => "postgres";

    public string Extension => ".pgdump";

    public Task<Dictionary<string, long>> CountAsync(AppDbContext db, CancellationToken cancellationToken) => BackupCounts.CountAsync(db, History, cancellationToken);

    public async Task<Dictionary<string, long>> WriteAsync(AppDbContext db, string file, CancellationToken cancellationToken)
    {
        // The counts and the dump see the same snapshot: exported by this transaction, kept open while pg_dump runs.
        await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var snapshot = (await db.Database.SqlQueryRaw<string>("SELECT pg_export_snapshot() AS \"Value\"").ToListAsync(cancellationToken)).Single();
        var counts = await CountAsync(db, cancellationToken);
        await RunAsync("pg_dump", ["--format=custom", "--compress=1", "--no-owner", "--no-privileges", $"--snapshot={snapshot}", "--file", file, ConnInfo(db.Database.GetConnectionString()!, out var password)], password, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return counts;
    }

    public async Task<Dictionary<string, long>> RestoredCountsAsync(AppDbContext live, string file, CancellationToken cancellationToken)
    {
        var connection = live.Database.GetConnectionString()!;
        var name = "ffmpeg_api_verify_" + Guid.NewGuid().ToString("N");
        await using var admin = new NpgsqlConnection(connection);
        await admin.OpenAsync(cancellationToken);
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var scratch = new NpgsqlConnectionStringBuilder(connection) { Database = name, Pooling = false }.ConnectionString;
            await RunAsync("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--dbname", ConnInfo(scratch, out var password), file], password, cancellationToken);
            var options = new DbContextOptionsBuilder<PostgresAppDbContext>();
            DatabaseSetup.ConfigurePostgres(options, scratch);
            await using var db = new PostgresAppDbContext(options.Options);
            return await BackupCounts.CountAsync(db, History, cancellationToken);
        }
        finally
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    public Task ReplaceAsync(AppDbContext db, string file, CancellationToken cancellationToken) =>
        RunAsync("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--dbname", ConnInfo(db.Database.GetConnectionString()!, out var password), file], password, cancellationToken);

    public async Task<IAsyncDisposable?> TryLockAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        if ((await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_lock({LockKey}) AS \"Value\"").ToListAsync(cancellationToken)).Single())
        {
            return new AdvisoryLock(db);
        }

        await db.Database.CloseConnectionAsync();
        return null;
    }

    /// <summary>libpq connection parameters for pg_dump/pg_restore; the password goes in PGPASSWORD, never on the command line.</summary>
    private static string ConnInfo(string connectionString, out string? password)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        password = b.Password;
        return $"host={b.Host} port={b.Port} user={b.Username} dbname={b.Database}";
    }

    private static async Task RunAsync(string tool, IReadOnlyList<string> arguments, string? password, CancellationToken cancellationToken)
    {
        var start = new System.Diagnostics.ProcessStartInfo { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (!string.IsNullOrEmpty(password))
        {
            start.Environment["PGPASSWORD"] = password;
        }

        // Started like ffmpeg: a dump or restore never outlives this process.
        using var process = await Media.Process.ChildLauncher.StartAsync(tool, arguments, start);
        try
        {
            // At the lowest CPU priority: on a small machine the dump's compression would take its share from the queue.
            process.PriorityClass = System.Diagnostics.ProcessPriorityClass.Idle;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // Already exited, or not allowed here: the dump runs at normal priority.
        }

        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromHours(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new BackupException($"{tool} failed (exit code {process.ExitCode}): {(await errors).Trim()}");
        }
    }

    private sealed class AdvisoryLock(AppDbContext db) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
            await db.Database.CloseConnectionAsync();
        }
    }
}
