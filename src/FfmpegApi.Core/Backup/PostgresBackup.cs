using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FfmpegApi.Core.Backup;

/// <summary>
/// PostgreSQL: <c>pg_dump</c> custom format inside the snapshot the row counts were taken in; verified with
/// <c>pg_restore</c> into a scratch database on the same server; restored with <c>pg_restore --clean</c> in one
/// transaction. The scheduler's lock is a session advisory lock, so one process of the cluster backs up at a time.
/// The dump works only <c>Backup:DumpShare</c> of the time, so that it leaves the queue its CPU.
/// </summary>
public sealed class PostgresBackup(IOptions<BackupOptions> options, TimeProvider clock) : IDatabaseBackup
{
    private const string History = "__ef_migrations_history";

    /// <summary>How long a dump, verification or restore may take at full speed; a paced one gets 1/share as long.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromHours(2);

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
        // To stdout, copied to the file in the configured share of the time: while the copy pauses, pg_dump and its COPY
        // backend wait too.
        await using (var output = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
        {
            await RunAsync("pg_dump", ["--format=custom", "--compress=1", "--no-owner", "--no-privileges", $"--snapshot={snapshot}", ConnInfo(db.Database.GetConnectionString()!, out var password)], password, PacedLimit, cancellationToken, stdout => PacedCopy.CopyAsync(stdout, output, options.Value.DumpShare, clock, cancellationToken));
        }

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
            // Fed through stdin in the same share of the time as the dump: the scratch restore loads every row again.
            await using var archive = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
            await RunAsync("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--dbname", ConnInfo(scratch, out var password)], password, PacedLimit, cancellationToken, stdin: async input =>
            {
                await using (input)
                {
                    await PacedCopy.CopyAsync(archive, input, options.Value.DumpShare, clock, cancellationToken);
                }
            });
            var scratchOptions = new DbContextOptionsBuilder<PostgresAppDbContext>();
            DatabaseSetup.ConfigurePostgres(scratchOptions, scratch);
            await using var db = new PostgresAppDbContext(scratchOptions.Options);
            return await BackupCounts.CountAsync(db, History, cancellationToken);
        }
        finally
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    public Task ReplaceAsync(AppDbContext db, string file, CancellationToken cancellationToken) =>
        RunAsync("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--dbname", ConnInfo(db.Database.GetConnectionString()!, out var password), file], password, Limit, cancellationToken);

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

    /// <summary>Runs a PostgreSQL client tool; <paramref name="stdout"/> reads its output, <paramref name="stdin"/> writes its input (and closes it).</summary>
    private TimeSpan PacedLimit => Limit / Math.Clamp(options.Value.DumpShare, 0.05, 1);

    private static async Task RunAsync(string tool, IReadOnlyList<string> arguments, string? password, TimeSpan limit, CancellationToken cancellationToken, Func<Stream, Task>? stdout = null, Func<Stream, Task>? stdin = null)
    {
        var start = new System.Diagnostics.ProcessStartInfo { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
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
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        var output = stdout?.Invoke(process.StandardOutput.BaseStream) ?? process.StandardOutput.ReadToEndAsync(timeout.Token);
        var input = stdin is null ? Task.CompletedTask : FeedAsync(stdin, process.StandardInput.BaseStream);
        try
        {
            await Task.WhenAll(output, input).WaitAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new BackupException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{tool} did not finish within {limit.TotalHours:0.#} h and was stopped (paced steps get 2 h ÷ Backup:DumpShare)."));
        }

        if (process.ExitCode != 0)
        {
            throw new BackupException($"{tool} failed (exit code {process.ExitCode}): {(await errors).Trim()}");
        }
    }

    private static async Task FeedAsync(Func<Stream, Task> feed, Stream input)
    {
        try
        {
            await feed(input);
        }
        catch (IOException)
        {
            // The tool stopped reading (it failed): its exit code and stderr say why.
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
