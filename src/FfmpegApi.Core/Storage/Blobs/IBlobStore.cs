namespace FfmpegApi.Core.Storage.Blobs;

/// <summary>An object as a store describes it: key, size, entity tag (quoted as the store gives it), last change.</summary>
public sealed record BlobInfo(string Key, long Size, string? ETag, DateTimeOffset? LastModified);

/// <summary>The object does not exist (or the container does not).</summary>
public sealed class BlobNotFoundException(string message) : Exception(message);

/// <summary>
/// One storage backend (local mount, S3-compatible, Azure Blob, …) addressed as container + key. Every method
/// streams: no implementation holds a whole object in memory. Writes are atomic: a reader sees the old object or the
/// whole new one, never part of it (a failed or cancelled upload leaves nothing behind).
/// </summary>
public interface IBlobStore
{
    /// <summary>The URI scheme this store serves (<c>s3</c>, <c>azure</c>, <c>file</c>).</summary>
    string Scheme { get; }

    /// <summary>The object's description, or null when it does not exist.</summary>
    Task<BlobInfo?> StatAsync(string container, string key, CancellationToken cancellationToken);

    /// <summary>A read stream over the object; <see cref="BlobNotFoundException"/> when it does not exist.</summary>
    Task<Stream> OpenReadAsync(string container, string key, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="content"/> as the object (replacing any), in parts when large.</summary>
    Task<BlobInfo> UploadAsync(string container, string key, Stream content, string? contentType, CancellationToken cancellationToken);

    /// <summary>Deletes the object; nothing happens when it does not exist.</summary>
    Task DeleteAsync(string container, string key, CancellationToken cancellationToken);

    /// <summary>Objects whose key starts with <paramref name="prefix"/>, in key order.</summary>
    IAsyncEnumerable<BlobInfo> ListAsync(string container, string prefix, CancellationToken cancellationToken);

    /// <summary>A URL that reads the object without credentials until <paramref name="validFor"/> passes; null when the store cannot presign.</summary>
    Task<Uri?> PresignReadAsync(string container, string key, TimeSpan validFor, CancellationToken cancellationToken);
}
