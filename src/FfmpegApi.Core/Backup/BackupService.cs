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
/// Backups of the database (jobs, keys, audit, webhooks, the Data Protection key ring — outputs live in storage), written
/// by the provider's <see cref="IDatabaseBackup"/>. Every backup is checksummed and verified by restoring it into a
/// scratch database and comparing row counts with its manifest; a restore verifies first and refuses to replace a
/// database that holds data unless forced.
/// </summary>
public sealed class BackupService(IServiceScopeFactory scopes, IDatabaseBackup engine, TimeProvider clock)
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
        var file = Path.Combine(directory, name + engine.Extension);
        var migration = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).LastOrDefault();
        var tables = await engine.WriteAsync(db, file, cancellationToken);
        var manifest = new BackupManifest(engine.Format, clock.GetUtcNow().UtcDateTime, Path.GetFileName(file), new FileInfo(file).Length, await Sha256Async(file, cancellationToken), migration, tables);
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

        if (manifest.Format != engine.Format)
        {
            throw new BackupException($"{manifest.File} is a {manifest.Format} backup; the configured database is {engine.Format}.");
        }

        Dictionary<string, long> counts;
        await using (var scope = scopes.CreateAsyncScope())
        {
            counts = await engine.RestoredCountsAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), file, cancellationToken);
        }

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

        await engine.ReplaceAsync(db, file, cancellationToken);
        return (manifest, live);
    }

    /// <summary>The live database's row counts; empty when it is missing or has no schema yet (nothing to lose).</summary>
    private async Task<Dictionary<string, long>> LiveCountsAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            return await db.Database.CanConnectAsync(cancellationToken) ? await engine.CountAsync(db, cancellationToken) : [];
        }
        catch (Exception e) when (e is System.Data.Common.DbException)
        {
            return [];
        }
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

    private static async Task<string> Sha256Async(string file, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

}
