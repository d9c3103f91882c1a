using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Backup;

/// <summary>
/// The provider's part of a backup (<see cref="SqliteBackup"/> or <see cref="PostgresBackup"/>, chosen once at start):
/// how the file is written, restored into a scratch database for verification, and restored over the live one.
/// <see cref="BackupService"/> does the rest (manifest, checksum, comparison of row counts, refusals).
/// </summary>
public interface IDatabaseBackup
{
    /// <summary>The manifest's <c>format</c>: <c>sqlite</c> or <c>postgres</c>.</summary>
    string Format { get; }

    /// <summary>The backup file's extension (<c>.sqlite.gz</c>, <c>.pgdump</c>).</summary>
    string Extension { get; }

    /// <summary>Rows in every table of the model and in the migrations history: what a backup is verified by.</summary>
    Task<Dictionary<string, long>> CountAsync(AppDbContext db, CancellationToken cancellationToken);

    /// <summary>Writes a consistent backup of <paramref name="db"/> to <paramref name="file"/>; returns the row counts it holds.</summary>
    Task<Dictionary<string, long>> WriteAsync(AppDbContext db, string file, CancellationToken cancellationToken);

    /// <summary>Restores <paramref name="file"/> into a scratch database and returns its row counts (throws <see cref="BackupException"/> when it does not restore).</summary>
    Task<Dictionary<string, long>> RestoredCountsAsync(AppDbContext live, string file, CancellationToken cancellationToken);

    /// <summary>Replaces the live database with the backup (the service is stopped).</summary>
    Task ReplaceAsync(AppDbContext db, string file, CancellationToken cancellationToken);

    /// <summary>
    /// The scheduled backup's lock: held by one process of the cluster at a time; null when another holds it. Dispose to
    /// release. The connection of <paramref name="db"/> stays open while it is held.
    /// </summary>
    Task<IAsyncDisposable?> TryLockAsync(AppDbContext db, CancellationToken cancellationToken);
}

/// <summary>Row counts of a database, the measure a backup is verified by.</summary>
internal static class BackupCounts
{
    /// <summary>Rows in every table of the model and in the migrations history (<paramref name="history"/>).</summary>
    public static async Task<Dictionary<string, long>> CountAsync(AppDbContext db, string history, CancellationToken cancellationToken)
    {
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
}
