using FfmpegApi.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Storage.Blobs;

/// <summary>The configured object stores, and which one serves an address.</summary>
public sealed class BlobStores : IDisposable
{
    private static readonly AsyncLocal<CredentialScope?> Scope = new();
    private readonly List<(StorageProfile Profile, IBlobStore Store)> _stores = [];
    private readonly TimeProvider _clock;
    private readonly StorageMetrics? _metrics;

    public BlobStores(IOptions<StorageOptions> options, TimeProvider clock, StorageMetrics? metrics = null)
    {
        _clock = clock;
        _metrics = metrics;
        foreach (var profile in options.Value.Profiles.Values)
        {
            _stores.Add((profile, CreateMetered(profile)));
        }
    }

    /// <summary>The store for a profile: Azure's SDK, or the S3 client (AWS, S3-compatible stores, and GCS's XML API).</summary>
    public static IBlobStore Create(StorageProfile profile, TimeProvider clock)
    {
        IBlobStore store = profile.Scheme switch
        {
            "azure" => new AzureBlobStore(profile, clock),
            "gs" => new S3BlobStore(profile.ForGcs(), clock, "gs"),
            _ => new S3BlobStore(profile, clock),
        };
        return profile.Presign ? store : new NoPresignStore(store);
    }

    /// <summary>A scope that opens nothing.</summary>
    public static IDisposable NoScope { get; } = new EmptyScope();

    /// <summary>
    /// Until disposed, addresses in <paramref name="byAddress"/> resolve to stores made from their profile with these
    /// keys (a job's inline credentials); everything else resolves as configured.
    /// </summary>
    internal static IDisposable UseCredentials(IReadOnlyDictionary<string, ObjectCredentials> byAddress)
    {
        var scope = new CredentialScope(byAddress, Scope.Value, previous => Scope.Value = previous);
        Scope.Value = scope;
        return scope;
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
        var candidates = _stores.Where(s => s.Profile.Scheme == scheme).ToList();
        var routed = candidates.FirstOrDefault(s => s.Profile.Buckets.Contains(bucket, StringComparer.Ordinal));
        routed = routed.Store is null ? candidates.FirstOrDefault(s => s.Profile.Buckets.Count == 0) : routed;
        store = routed.Store is null ? null : Scope.Value?.StoreFor(address.ToString(), routed.Profile, CreateMetered) ?? routed.Store;
        if (store is null)
        {
            error = $"No storage profile serves {scheme}://{bucket} (Storage:Profiles).";
            return false;
        }

        return true;
    }

    private IBlobStore CreateMetered(StorageProfile profile)
    {
        var store = Create(profile, _clock);
        return _metrics is null ? store : new MeteredBlobStore(store, _metrics);
    }

    private sealed class EmptyScope : IDisposable
    {
        public void Dispose()
        {
        }
    }

    public void Dispose()
    {
        foreach (var (_, store) in _stores)
        {
            (store as IDisposable)?.Dispose();
        }
    }
}
