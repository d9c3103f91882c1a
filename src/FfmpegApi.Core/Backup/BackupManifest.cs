namespace FfmpegApi.Core.Backup;

/// <summary>
/// What a backup holds, written beside it as <c>NAME.json</c>: the file, its size and SHA-256, the database provider,
/// the last migration, and the row count of every table at the moment of the backup (what verification compares).
/// </summary>
public sealed record BackupManifest(
    string Format,
    DateTime CreatedAt,
    string File,
    long SizeBytes,
    string Sha256,
    string? Migration,
    IReadOnlyDictionary<string, long> Tables);

/// <summary>A backup that cannot be made, is damaged, or may not be restored as asked (the message says why).</summary>
public sealed class BackupException(string message) : Exception(message);
