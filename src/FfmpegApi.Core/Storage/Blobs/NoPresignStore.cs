namespace FfmpegApi.Core.Storage.Blobs;

/// <summary>A store whose profile says <c>Presign=false</c>: everything as the inner store, but no presigned URLs.</summary>
internal sealed class NoPresignStore(IBlobStore inner) : IBlobStore, IDisposable
{
    public string Scheme => inner.Scheme;

    public Task<BlobInfo?> StatAsync(string container, string key, CancellationToken cancellationToken) => inner.StatAsync(container, key, cancellationToken);

    public Task<Stream> OpenReadAsync(string container, string key, CancellationToken cancellationToken) => inner.OpenReadAsync(container, key, cancellationToken);

    public Task<BlobInfo> UploadAsync(string container, string key, Stream content, string? contentType, CancellationToken cancellationToken) =>
        inner.UploadAsync(container, key, content, contentType, cancellationToken);

    public Task DeleteAsync(string container, string key, CancellationToken cancellationToken) => inner.DeleteAsync(container, key, cancellationToken);

    public IAsyncEnumerable<BlobInfo> ListAsync(string container, string prefix, CancellationToken cancellationToken) => inner.ListAsync(container, prefix, cancellationToken);

    public Task<Uri?> PresignReadAsync(string container, string key, TimeSpan validFor, CancellationToken cancellationToken) => Task.FromResult<Uri?>(null);

    public void Dispose() => (inner as IDisposable)?.Dispose();
}
