using System.IO.Compression;
using FfmpegApi.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Backup;

/// <summary>
/// SQLite: the online backup API (a consistent copy while the server runs), gzip-compressed; verified by decompressing
/// into a scratch file (integrity check, row counts); restored by replacing the database file. One process uses the
/// database, so the scheduler's lock is always free.
/// </summary>
public sealed class SqliteBackup : IDatabaseBackup
{
    private const string History = "__EFMigrationsHistory";

    public string Format => "sqlite";

    public string Extension => ".sqlite.gz";

    public Task<Dictionary<string, long>> CountAsync(AppDbContext db, CancellationToken cancellationToken) => BackupCounts.CountAsync(db, History, cancellationToken);

    public async Task<Dictionary<string, long>> WriteAsync(AppDbContext db, string file, CancellationToken cancellationToken)
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

            var counts = await CountsAsync(copy, cancellationToken);
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

    public async Task<Dictionary<string, long>> RestoredCountsAsync(AppDbContext live, string file, CancellationToken cancellationToken)
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

            return await CountsAsync(scratch, cancellationToken);
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

    public async Task ReplaceAsync(AppDbContext db, string file, CancellationToken cancellationToken)
    {
        var target = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
        SqliteConnection.ClearAllPools();
        var temp = target + ".restoring";
        await DecompressAsync(file, temp, cancellationToken);
        File.Move(temp, target, overwrite: true);
        File.Delete(target + "-wal");
        File.Delete(target + "-shm");
    }

    public Task<IAsyncDisposable?> TryLockAsync(AppDbContext db, CancellationToken cancellationToken) => Task.FromResult<IAsyncDisposable?>(NoLock.Instance);

    private static async Task<Dictionary<string, long>> CountsAsync(string file, CancellationToken cancellationToken)
    {
        var options = new DbContextOptionsBuilder<AppDbContext>();
        DatabaseSetup.ConfigureSqlite(options, new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ConnectionString);
        await using var db = new AppDbContext(options.Options);
        return await BackupCounts.CountAsync(db, History, cancellationToken);
    }

    private static async Task DecompressAsync(string file, string target, CancellationToken cancellationToken)
    {
        await using var input = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        await using var output = File.Create(target);
        await input.CopyToAsync(output, cancellationToken);
    }

    private sealed class NoLock : IAsyncDisposable
    {
        public static readonly NoLock Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
