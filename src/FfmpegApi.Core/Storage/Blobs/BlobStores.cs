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
            _stores.Add((profile, Create(profile, clock)));
        }
    }

    /// <summary>The store for a profile: Azure's SDK, or the S3 client (AWS, S3-compatible stores, and GCS's XML API).</summary>
    public static IBlobStore Create(StorageProfile profile, TimeProvider clock) => profile.Scheme switch
    {
        "azure" => new AzureBlobStore(profile, clock),
        "gs" => new S3BlobStore(profile.ForGcs(), clock, "gs"),
        _ => new S3BlobStore(profile, clock),
    };

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
        var candidates = _stores.Where(s => s.Profile.Scheme == scheme).ToList();
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
