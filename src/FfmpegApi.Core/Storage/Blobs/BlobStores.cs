using FfmpegApi.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Storage.Blobs;

/// <summary>The configured object stores, and which one serves an address.</summary>
public sealed class BlobStores : IDisposable
{
    private readonly List<(StorageProfile Profile, IBlobStore Store)> _stores = [];

    public BlobStores(IOptions<StorageOptions> options, TimeProvider clock)
    {
        foreach (var profile in options.Value.Profiles.Values)
        {
            _stores.Add((profile, string.Equals(profile.Type, "azure", StringComparison.OrdinalIgnoreCase) ? new AzureBlobStore(profile, clock) : new S3BlobStore(profile, clock)));
        }
    }

    /// <summary>Whether any object store is configured.</summary>
    public bool Any => _stores.Count > 0;

    /// <summary>Parses and routes an address; false with a client-safe reason (malformed, or no profile serves it).</summary>
    public bool TryResolve(string text, out BlobAddress? address, out IBlobStore? store, out string error)
    {
        store = null;
        if (!BlobAddress.TryParse(text, out address, out error))
        {
            return false;
        }

        var (scheme, bucket) = (address.Scheme, address.Container);
        var candidates = _stores.Where(s => string.Equals(s.Profile.Type, scheme, StringComparison.OrdinalIgnoreCase)).ToList();
        store = candidates.FirstOrDefault(s => s.Profile.Buckets.Contains(bucket, StringComparer.Ordinal)).Store
            ?? candidates.FirstOrDefault(s => s.Profile.Buckets.Count == 0).Store;
        if (store is null)
        {
            error = $"No storage profile serves {scheme}://{bucket} (Storage:Profiles).";
            return false;
        }

        return true;
    }

    public void Dispose()
    {
        foreach (var (_, store) in _stores)
        {
            (store as IDisposable)?.Dispose();
        }
    }
}
