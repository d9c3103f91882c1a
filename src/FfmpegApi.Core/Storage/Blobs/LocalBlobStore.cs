using System.Runtime.CompilerServices;

namespace FfmpegApi.Core.Storage.Blobs;

/// <summary>
/// A directory as a blob store (container = a subdirectory, key = a relative path with '/'). Keys are checked like
/// storage paths: no '..', no absolute keys, no way out of the root. Uploads go to a hidden temp file and are renamed.
/// </summary>
public sealed class LocalBlobStore(string root) : IBlobStore
{
    public string Scheme => "file";

    public Task<BlobInfo?> StatAsync(string container, string key, CancellationToken cancellationToken)
    {
        var file = new FileInfo(PathOf(container, key));
        return Task.FromResult(file.Exists ? Info(key, file) : null);
    }

    public Task<Stream> OpenReadAsync(string container, string key, CancellationToken cancellationToken)
    {
        var path = PathOf(container, key);
        return File.Exists(path)
            ? Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
            : throw new BlobNotFoundException($"{container}/{key} does not exist.");
    }

    public async Task<BlobInfo> UploadAsync(string container, string key, Stream content, string? contentType, CancellationToken cancellationToken)
    {
        var path = PathOf(container, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.partial");
        try
        {
            await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await content.CopyToAsync(target, cancellationToken);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }

        return Info(key, new FileInfo(path));
    }

    public Task DeleteAsync(string container, string key, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(container, key));
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync(string container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var dir = PathOf(container, null);
        if (!Directory.Exists(dir))
        {
            yield break;
        }

        var keys = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith('.'))
            .Select(f => (Key: Path.GetRelativePath(dir, f).Replace('\\', '/'), File: f))
            .Where(k => k.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(k => k.Key, StringComparer.Ordinal);
        foreach (var (key, file) in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Info(key, new FileInfo(file));
        }

        await Task.CompletedTask;
    }

    public Task<Uri?> PresignReadAsync(string container, string key, TimeSpan validFor, CancellationToken cancellationToken) => Task.FromResult<Uri?>(null);

    private static BlobInfo Info(string key, FileInfo file) =>
        new(key, file.Length, $"\"{file.LastWriteTimeUtc.Ticks:x}-{file.Length:x}\"", new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero));

    private string PathOf(string container, string? key)
    {
        if (!BlobAddress.IsSafeSegment(container))
        {
            throw new ArgumentException($"Not a container name: '{container}'.", nameof(container));
        }

        var dir = Path.GetFullPath(Path.Combine(root, container));
        if (key is null)
        {
            return dir;
        }

        if (!BlobAddress.IsSafeKey(key))
        {
            throw new ArgumentException($"Not an object key: '{key}'.", nameof(key));
        }

        return Path.GetFullPath(Path.Combine([dir, .. key.Split('/')]));
    }
}
