using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Media.Probe;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// Moves a finished output from the job's workspace to its final path so that readers only ever see a whole
/// file: move to a hidden temp name beside the destination (a copy when on another volume), then rename.
/// </summary>
public sealed class OutputPublisher(FfmpegTools tools, BlobStores blobs, StorageMetrics metrics)
{
    /// <summary>The <see cref="ResolvedPath.Mount"/> of an output that goes to an object store.</summary>
    public const string ObjectMount = "(object)";

    /// <summary>
    /// Publishes a media output with its facts: <paramref name="written"/> (what ffmpeg said it wrote, see
    /// <see cref="WrittenOutput"/>), or else read back with ffprobe.
    /// </summary>
    public async Task<OutputMetadata> PublishAsync(string workspaceFile, ResolvedPath destination, CancellationToken cancellationToken, MediaInfo? written = null)
    {
        if (destination.Mount == ObjectMount)
        {
            return await UploadAsync(workspaceFile, destination.VirtualPath, written, cancellationToken);
        }

        var size = MoveMetered(workspaceFile, destination);
        var info = written ?? await ReadBackAsync(destination.PhysicalPath, cancellationToken);
        return OutputMetadata.From(destination.VirtualPath, size, info) with { Sha256 = await OutputMetadata.Sha256Of(destination.PhysicalPath, cancellationToken) };
    }

    private async Task<MediaInfo> ReadBackAsync(string file, CancellationToken cancellationToken)
    {
        var (info, error) = await tools.ProbeAsync(file, cancellationToken);
        return info ?? throw new InvalidDataException($"The output could not be read back: {error}");
    }

    /// <summary>
    /// Uploads a finished output to its object store: its facts first (ffmpeg's, or ffprobe's in the workspace), then
    /// one upload that makes the object appear whole (see <see cref="IBlobStore.UploadAsync"/>).
    /// </summary>
    private async Task<OutputMetadata> UploadAsync(string workspaceFile, string address, MediaInfo? written, CancellationToken cancellationToken)
    {
        var info = written ?? await ReadBackAsync(workspaceFile, cancellationToken);

        var sha256 = await OutputMetadata.Sha256Of(workspaceFile, cancellationToken);
        await UploadFileAsync(workspaceFile, address, ContentTypeOf(workspaceFile), cancellationToken);
        var size = new FileInfo(workspaceFile).Length;
        File.Delete(workspaceFile);
        return OutputMetadata.From(address, size, info) with { Sha256 = sha256 };
    }

    private static string ContentTypeOf(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".mp4" or ".m4v" => "video/mp4",
        ".mov" => "video/quicktime",
        ".webm" => "video/webm",
        ".mkv" => "video/x-matroska",
        ".mp3" => "audio/mpeg",
        ".m4a" => "audio/mp4",
        ".ogg" or ".oga" => "audio/ogg",
        ".wav" => "audio/wav",
        ".flac" => "audio/flac",
        ".gif" => "image/gif",
        ".m3u8" => "application/vnd.apple.mpegurl",
        ".mpd" => "application/dash+xml",
        ".ts" => "video/mp2t",
        ".m4s" => "video/iso.segment",
        ".vtt" => "text/vtt",
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    };

    /// <summary>Publishes a non-media output (an analysis report): the atomic move, or one upload; no ffprobe read-back.</summary>
    public async Task<OutputMetadata> PublishReportAsync(string workspaceFile, ResolvedPath destination, CancellationToken cancellationToken)
    {
        var sha256 = await OutputMetadata.Sha256Of(workspaceFile, cancellationToken);
        long size;
        if (destination.Mount == ObjectMount)
        {
            size = (await UploadFileAsync(workspaceFile, destination.VirtualPath, "application/json", cancellationToken)).Size;
        }
        else
        {
            size = MoveMetered(workspaceFile, destination);
        }

        return new(destination.VirtualPath, size, null, "json", null, null, null, null, null, null, null) { Sha256 = sha256 };
    }

    /// <summary>
    /// Uploads a package (HLS/DASH) under the prefix of <paramref name="manifestAddress"/>: segments and variant
    /// playlists first, the manifest (master playlist) last, so a player that finds the manifest finds everything it
    /// names. The prefix must be empty (nothing stored is overwritten). Returns the total size.
    /// </summary>
    public async Task<long> PublishPackageAsync(string workspaceDirectory, string manifestAddress, CancellationToken cancellationToken)
    {
        if (!blobs.TryResolve(manifestAddress, out var manifest, out var store, out var problem))
        {
            throw new InvalidOperationException(problem);
        }

        var prefix = manifest!.Key[..(manifest.Key.LastIndexOf('/') + 1)];
        await foreach (var existing in store!.ListAsync(manifest.Container, prefix, cancellationToken))
        {
            throw new JobFailure("INVALID_OUTPUT", $"{manifest.Scheme}://{manifest.Container}/{prefix} already holds objects ({existing.Key}); packages go under a new prefix so nothing stored is overwritten.");
        }

        var manifestFile = Path.Combine(workspaceDirectory, manifest.Key[prefix.Length..]);
        var files = Directory.EnumerateFiles(workspaceDirectory, "*", SearchOption.AllDirectories)
            .OrderBy(f => f == manifestFile).ThenBy(f => f.EndsWith(".m3u8", StringComparison.Ordinal)).ThenBy(f => f, StringComparer.Ordinal);
        long total = 0;
        foreach (var file in files)
        {
            var key = prefix + Path.GetRelativePath(workspaceDirectory, file).Replace('\\', '/');
            await using var content = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            total += (await store.UploadAsync(manifest.Container, key, content, ContentTypeOf(file), cancellationToken)).Size;
        }

        return total;
    }

    /// <summary>
    /// Publishes a set of files (a package, a thumbnail set) named by <paramref name="output"/>: uploaded under its
    /// prefix when it is an object, else renamed into its directory whole.
    /// </summary>
    public async Task<long> PublishSetAsync(string workspaceDirectory, ResolvedPath output, CancellationToken cancellationToken) =>
        output.Mount == ObjectMount
            ? await PublishPackageAsync(workspaceDirectory, output.VirtualPath, cancellationToken)
            : PublishDirectory(workspaceDirectory, Path.GetDirectoryName(output.PhysicalPath)!);

    /// <summary>
    /// Publishes a package directory (HLS/DASH): renamed into place whole, so players never see half a package.
    /// Returns the total size. The destination must not exist (checked at submit; re-checked here).
    /// </summary>
    public static long PublishDirectory(string workspaceDirectory, string destinationDirectory)
    {
        if (Directory.Exists(destinationDirectory) && Directory.EnumerateFileSystemEntries(destinationDirectory).Any())
        {
            throw new IOException("The output directory already exists and is not empty.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(destinationDirectory)!);
        if (Directory.Exists(destinationDirectory))
        {
            Directory.Delete(destinationDirectory);
        }

        Directory.Move(workspaceDirectory, destinationDirectory);
        return new DirectoryInfo(destinationDirectory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
    }

    /// <summary>One workspace file to the object at <paramref name="address"/> (streamed; the object appears whole).</summary>
    private async Task<BlobInfo> UploadFileAsync(string workspaceFile, string address, string contentType, CancellationToken cancellationToken)
    {
        if (!blobs.TryResolve(address, out var target, out var store, out var problem))
        {
            throw new InvalidOperationException(problem);
        }

        await using var content = new FileStream(workspaceFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return await store!.UploadAsync(target!.Container, target.Key, content, contentType, cancellationToken);
    }

    private long MoveMetered(string workspaceFile, ResolvedPath destination)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var size = Move(workspaceFile, destination);
        metrics.Record("local", "write", "ok", System.Diagnostics.Stopwatch.GetElapsedTime(started));
        metrics.Transferred("local", "write", size);
        return size;
    }

    private static long Move(string workspaceFile, ResolvedPath destination)
    {
        var dir = Path.GetDirectoryName(destination.PhysicalPath)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(destination.PhysicalPath)}.{Guid.NewGuid():N}.partial");
        try
        {
            File.Move(workspaceFile, temp);
            File.Move(temp, destination.PhysicalPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }

        return new FileInfo(destination.PhysicalPath).Length;
    }
}
