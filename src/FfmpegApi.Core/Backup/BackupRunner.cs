using System.Diagnostics.Metrics;
using System.Text.Json;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Backup;

/// <summary>
/// One backup run, as the scheduler and <c>ffmpeg-api backup</c> do it: make and verify the backup, copy it to
/// <c>Backup:Target</c> when set, then apply retention (locally and at the target). Records the outcome as metrics:
/// <c>ffmpegapi.backup.last_success</c> (Unix seconds; 0 until one succeeded in this process, or the newest manifest's
/// time), <c>ffmpegapi.backup.failures</c>, <c>ffmpegapi.backup.duration</c>.
/// </summary>
public sealed partial class BackupRunner : IDisposable
{
    private readonly BackupService _backups;
    private readonly BlobStores _blobs;
    private readonly BackupOptions _options;
    private readonly StorageOptions _storage;
    private readonly TimeProvider _clock;
    private readonly ILogger<BackupRunner> _logger;
    private readonly Meter _meter;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _duration;
    private long _lastSuccess;

    public BackupRunner(BackupService backups, BlobStores blobs, IOptions<BackupOptions> options, IOptions<StorageOptions> storage, TimeProvider clock, IMeterFactory meters, ILogger<BackupRunner> logger)
    {
        (_backups, _blobs, _options, _storage, _clock, _logger) = (backups, blobs, options.Value, storage.Value, clock, logger);
        _meter = meters.Create(Processing.JobMetrics.MeterName);
        _meter.CreateObservableGauge("ffmpegapi.backup.last_success", () => Interlocked.Read(ref _lastSuccess), "s", "Unix time of the newest verified backup");
        _failures = _meter.CreateCounter<long>("ffmpegapi.backup.failures", description: "Backup runs that failed");
        _duration = _meter.CreateHistogram<double>("ffmpegapi.backup.duration", "s", "Time to make and verify a backup");
        if (Newest() is { } newest)
        {
            _lastSuccess = new DateTimeOffset(DateTime.SpecifyKind(newest.CreatedAt, DateTimeKind.Utc)).ToUnixTimeSeconds();
        }
    }

    public string Directory => string.IsNullOrWhiteSpace(_options.Directory) ? Path.Combine(_storage.FullDataDir, "backups") : _options.Directory;

    /// <summary>The newest backup's manifest in <see cref="Directory"/>, or null.</summary>
    public BackupManifest? Newest() => List().OrderByDescending(m => m.CreatedAt).FirstOrDefault();

    public async Task<BackupManifest> RunOnceAsync(string? directory, CancellationToken cancellationToken)
    {
        var started = _clock.GetTimestamp();
        var target = directory ?? Directory;
        try
        {
            var manifest = await _backups.CreateAsync(target, cancellationToken);
            if (!string.IsNullOrWhiteSpace(_options.Target))
            {
                await CopyToTargetAsync(target, manifest, cancellationToken);
            }

            await ApplyRetentionAsync(target, cancellationToken);
            Interlocked.Exchange(ref _lastSuccess, _clock.GetUtcNow().ToUnixTimeSeconds());
            LogBackedUp(_logger, manifest.File, manifest.SizeBytes);
            return manifest;
        }
        catch (Exception e) when (e is BackupException or IOException or InvalidOperationException)
        {
            _failures.Add(1);
            LogFailed(_logger, e);
            throw;
        }
        finally
        {
            _duration.Record(_clock.GetElapsedTime(started).TotalSeconds);
        }
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<BackupManifest> List(string? directory = null)
    {
        var dir = directory ?? Directory;
        if (!System.IO.Directory.Exists(dir))
        {
            yield break;
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(dir, "ffmpeg-api-*" + BackupService.ManifestSuffix))
        {
            BackupManifest? manifest = null;
            try
            {
                manifest = JsonSerializer.Deserialize<BackupManifest>(File.ReadAllText(file), BackupService.ManifestJson);
            }
            catch (JsonException)
            {
                // Not a manifest of ours: left alone.
            }

            if (manifest is not null)
            {
                yield return manifest;
            }
        }
    }

    private async Task CopyToTargetAsync(string directory, BackupManifest manifest, CancellationToken cancellationToken)
    {
        var prefix = _options.Target!.TrimEnd('/') + "/";
        foreach (var name in new[] { manifest.File, Stem(manifest.File) + BackupService.ManifestSuffix })
        {
            if (!_blobs.TryResolve(prefix + name, out var address, out var store, out var problem))
            {
                throw new InvalidOperationException($"Backup:Target: {problem}");
            }

            await using var content = File.OpenRead(Path.Combine(directory, name));
            await store!.UploadAsync(address!.Container, address.Key, content, "application/octet-stream", cancellationToken);
        }
    }

    private async Task ApplyRetentionAsync(string directory, CancellationToken cancellationToken)
    {
        var manifests = List(directory).ToList();
        var keep = BackupRetention.Keep(manifests.Select(m => (m.File, m.CreatedAt)), _options.KeepDaily, _options.KeepWeekly, _options.KeepMonthly);
        foreach (var old in manifests.Where(m => !keep.Contains(m.File)))
        {
            File.Delete(Path.Combine(directory, old.File));
            File.Delete(Path.Combine(directory, Stem(old.File) + BackupService.ManifestSuffix));
            if (!string.IsNullOrWhiteSpace(_options.Target))
            {
                foreach (var name in new[] { old.File, Stem(old.File) + BackupService.ManifestSuffix })
                {
                    if (_blobs.TryResolve(_options.Target.TrimEnd('/') + "/" + name, out var address, out var store, out _))
                    {
                        await store!.DeleteAsync(address!.Container, address.Key, cancellationToken);
                    }
                }
            }
        }
    }

    /// <summary>The backup's name without its extension(s): <c>ffmpeg-api-20261128T031500123Z</c>.</summary>
    internal static string Stem(string file) => file.EndsWith(".sqlite.gz", StringComparison.Ordinal) ? file[..^".sqlite.gz".Length] : Path.GetFileNameWithoutExtension(file);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backup {File} made and verified ({Bytes} bytes)")]
    private static partial void LogBackedUp(ILogger logger, string file, long bytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Backup failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
