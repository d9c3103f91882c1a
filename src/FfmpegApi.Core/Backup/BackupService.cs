using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FfmpegApi.Core.Backup;

/// <summary>
/// Backups of the database (jobs, keys, audit, webhooks, the Data Protection key ring — outputs live in storage).
/// SQLite: the online backup API (a consistent copy while the server runs), gzip-compressed. PostgreSQL:
/// <c>pg_dump</c> custom format inside the snapshot the row counts were taken in. Every backup is checksummed and
/// verified by restoring it into a scratch database and comparing row counts with its manifest; a restore verifies
/// first and refuses to replace a database that holds data unless forced.
/// </summary>
public sealed class BackupService(IServiceScopeFactory scopes, TimeProvider clock)
{
    public const string ManifestSuffix = ".json";

    /// <summary>The house JSON style, but table names kept as they are (they are dictionary keys).</summary>
    internal static readonly JsonSerializerOptions ManifestJson = new(JsonDefaults.Options) { DictionaryKeyPolicy = null, WriteIndented = true };

    /// <summary>Makes a backup in <paramref name="directory"/>, verifies it, and returns its manifest.</summary>
    public async Task<BackupManifest> CreateAsync(string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var name = "ffmpeg-api-" + clock.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var postgres = db.Database.IsNpgsql();
        var file = Path.Combine(directory, name + (postgres ? ".pgdump" : ".sqlite.gz"));
        var migration = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).LastOrDefault();
        var tables = postgres
            ? await DumpPostgresAsync(db, file, cancellationToken)
            : await CopySqliteAsync(db, file, cancellationToken);
        var manifest = new BackupManifest(postgres ? "postgres" : "sqlite", clock.GetUtcNow().UtcDateTime, Path.GetFileName(file), new FileInfo(file).Length, await Sha256Async(file, cancellationToken), migration, tables);
        var manifestFile = Path.Combine(directory, name + ManifestSuffix);
        await File.WriteAllTextAsync(manifestFile + ".tmp", JsonSerializer.Serialize(manifest, ManifestJson), cancellationToken);
        File.Move(manifestFile + ".tmp", manifestFile, overwrite: true);
        await VerifyAsync(manifestFile, cancellationToken);
        return manifest;
    }

    /// <summary>
    /// Checks a backup (its manifest, or the backup file beside it): the SHA-256, then a restore into a scratch database
    /// whose row counts must equal the manifest's. Returns the manifest; throws <see cref="BackupException"/> otherwise.
    /// </summary>
    public async Task<BackupManifest> VerifyAsync(string path, CancellationToken cancellationToken)
    {
        var (manifest, file) = await ReadAsync(path, cancellationToken);
        if (await Sha256Async(file, cancellationToken) != manifest.Sha256)
        {
            throw new BackupException($"{manifest.File} is damaged: its SHA-256 does not match the manifest.");
        }

        var counts = manifest.Format == "postgres"
            ? await ScratchPostgresCountsAsync(file, cancellationToken)
            : await ScratchSqliteCountsAsync(file, cancellationToken);
        var wrong = manifest.Tables.Where(t => counts.GetValueOrDefault(t.Key, -1) != t.Value).Select(t => $"{t.Key} {counts.GetValueOrDefault(t.Key, -1)} ≠ {t.Value}").ToList();
        return wrong.Count == 0 ? manifest : throw new BackupException($"{manifest.File} restores with different row counts: {string.Join(", ", wrong)}.");
    }

    /// <summary>
    /// Restores a verified backup over the configured database (the service must be stopped). Refuses when the database
    /// holds jobs or keys unless <paramref name="force"/>; with <paramref name="dryRun"/> only verifies and reports.
    /// Returns the live row counts before the restore.
    /// </summary>
    public async Task<(BackupManifest Manifest, IReadOnlyDictionary<string, long> Live)> RestoreAsync(string path, bool dryRun, bool force, CancellationToken cancellationToken)
    {
        var manifest = await VerifyAsync(path, cancellationToken);
        var (_, file) = await ReadAsync(path, cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var postgres = db.Database.IsNpgsql();
        if (postgres != (manifest.Format == "postgres"))
        {
            throw new BackupException($"{manifest.File} is a {manifest.Format} backup; the configured database is {(postgres ? "postgres" : "sqlite")}.");
        }

        var live = await LiveCountsAsync(db, cancellationToken);
        var held = live.GetValueOrDefault("jobs") + live.GetValueOrDefault("api_keys");
        if (dryRun)
        {
            return (manifest, live);
        }

        if (held > 0 && !force)
        {
            throw new BackupException($"The database holds {live.GetValueOrDefault("jobs")} job(s) and {live.GetValueOrDefault("api_keys")} key(s); a restore replaces them. Stop the service, then add --force.");
        }

        if (postgres)
        {
            await RunAsync("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--dbname", ConnInfo(db.Database.GetConnectionString()!, out var password), file], password, cancellationToken);
        }
        else
        {
            var target = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            SqliteConnection.ClearAllPools();
            var temp = target + ".restoring";
            await DecompressAsync(file, temp, cancellationToken);
            File.Move(temp, target, overwrite: true);
            File.Delete(target + "-wal");
            File.Delete(target + "-shm");
        }

        return (manifest, live);
    }

    /// <summary>The live database's row counts; empty when it is missing or has no schema yet (nothing to lose).</summary>
    private static async Task<Dictionary<string, long>> LiveCountsAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            return await db.Database.CanConnectAsync(cancellationToken) ? await CountAsync(db, cancellationToken) : [];
        }
        catch (Exception e) when (e is System.Data.Common.DbException)
        {
            return [];
        }
    }

    private static async Task<Dictionary<string, long>> CopySqliteAsync(AppDbContext db, string file, CancellationToken cancellationToken)
    {
        var copy = file + ".db.tmp";
        try
        {
            await using (var source = new SqliteConnection(db.Database.GetConnectionString()))
            await using (var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Pooling = false }.ConnectionString))
            {
                await source.OpenAsync(cancellationToken);
                await target.OpenAsync(cancellationToken);
                source.BackupDatabase(target);
            }

            var counts = await SqliteCountsAsync(copy, cancellationToken);
            await using (var input = File.OpenRead(copy))
            await using (var output = new GZipStream(File.Create(file), CompressionLevel.Optimal))
            {
                await input.CopyToAsync(output, cancellationToken);
            }

            return counts;
        }
        finally
        {
            File.Delete(copy);
        }
    }

    private static async Task<Dictionary<string, long>> DumpPostgresAsync(AppDbContext db, string file, CancellationToken cancellationToken)
    {
        // The counts and the dump see the same snapshot: exported by this transaction, kept open while pg_dump runs.
        await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var snapshot = (await db.Database.SqlQueryRaw<string>("SELECT pg_export_snapshot() AS \"Value\"").ToListAsync(cancellationToken)).Single();
        var counts = await CountAsync(db, cancellationToken);
        await RunAsync("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", $"--snapshot={snapshot}", "--file", file, ConnInfo(db.Database.GetConnectionString()!, out var password)], password, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return counts;
    }

    private static async Task<Dictionary<string, long>> ScratchSqliteCountsAsync(string file, CancellationToken cancellationToken)
    {
        var scratch = Path.Combine(Path.GetTempPath(), $"ffmpeg-api-verify-{Guid.NewGuid():N}.db");
        try
        {
            await DecompressAsync(file, scratch, cancellationToken);
            await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = scratch, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ConnectionString))
            {
                await connection.OpenAsync(cancellationToken);
                await using var check = new SqliteCommand("PRAGMA integrity_check", connection);
                if (await check.ExecuteScalarAsync(cancellationToken) is not "ok")
                {
                    throw new BackupException($"{Path.GetFileName(file)} restores to a damaged SQLite database (integrity_check failed).");
                }
            }

            return await SqliteCountsAsync(scratch, cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or SqliteException)
        {
            throw new BackupException($"{Path.GetFileName(file)} does not restore: {e.Message}");
        }
        finally
        {
            File.Delete(scratch);
        }
    }

    private async Task<Dictionary<string, long>> ScratchPostgresCountsAsync(string file, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var live = scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.GetConnectionString()!;
        var name = "ffmpeg_api_verify_" + Guid.NewGuid().ToString("N");
        await using var admin = new NpgsqlConnection(live);
        await admin.OpenAsync(cancellationToken);
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var scratch = new NpgsqlConnectionStringBuilder(live) { Database = name, Pooling = false }.ConnectionString;
            await RunAsync("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--dbname", ConnInfo(scratch, out var password), file], password, cancellationToken);
            var options = new DbContextOptionsBuilder<PostgresAppDbContext>();
            DatabaseSetup.ConfigurePostgres(options, scratch);
            await using var db = new PostgresAppDbContext(options.Options);
            return await CountAsync(db, cancellationToken);
        }
        finally
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static async Task<Dictionary<string, long>> SqliteCountsAsync(string file, CancellationToken cancellationToken)
    {
        var options = new DbContextOptionsBuilder<AppDbContext>();
        DatabaseSetup.ConfigureSqlite(options, new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ConnectionString);
        await using var db = new AppDbContext(options.Options);
        return await CountAsync(db, cancellationToken);
    }

    /// <summary>Rows in every table of the model (and the migrations history).</summary>
    private static async Task<Dictionary<string, long>> CountAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        var history = db.Database.IsNpgsql() ? "__ef_migrations_history" : "__EFMigrationsHistory";
        var tables = db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Append(history).Distinct().Order(StringComparer.Ordinal);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            // Table names come from the EF model, never from input.
#pragma warning disable EF1002
            counts[table] = (await db.Database.SqlQueryRaw<long>($"SELECT COUNT(*) AS \"Value\" FROM \"{table}\"").ToListAsync(cancellationToken)).Single();
#pragma warning restore EF1002
        }

        return counts;
    }

    private static async Task<(BackupManifest Manifest, string File)> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var manifestFile = path.EndsWith(ManifestSuffix, StringComparison.Ordinal) ? path : ManifestOf(path);
        if (!File.Exists(manifestFile))
        {
            throw new BackupException($"No manifest at {manifestFile} (a backup is the file plus its .json manifest).");
        }

        var manifest = JsonSerializer.Deserialize<BackupManifest>(await File.ReadAllTextAsync(manifestFile, cancellationToken), ManifestJson)
            ?? throw new BackupException($"{manifestFile} is not a backup manifest.");
        var file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(manifestFile))!, manifest.File);
        return File.Exists(file) ? (manifest, file) : throw new BackupException($"{manifest.File} is missing beside its manifest.");
    }

    private static string ManifestOf(string backupFile)
    {
        var name = Path.GetFileName(backupFile);
        var stem = name.EndsWith(".sqlite.gz", StringComparison.Ordinal) ? name[..^".sqlite.gz".Length] : Path.GetFileNameWithoutExtension(name);
        return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(backupFile))!, stem + ManifestSuffix);
    }

    private static async Task DecompressAsync(string file, string target, CancellationToken cancellationToken)
    {
        await using var input = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        await using var output = File.Create(target);
        await input.CopyToAsync(output, cancellationToken);
    }

    private static async Task<string> Sha256Async(string file, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
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
}
