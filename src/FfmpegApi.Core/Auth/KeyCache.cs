using System.Collections.Concurrent;
using FfmpegApi.Core.Configuration;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Auth;

/// <summary>What validation needs of a key row, cached by prefix (no secret, only its hash).</summary>
public sealed record CachedKey(
    string Id,
    string Name,
    string TenantId,
    byte[] SecretHash,
    bool IsAdmin,
    string Scopes,
    DateTime? ExpiresAt,
    DateTime? RevokedAt,
    string? AllowedNetworks = null,
    int? RequestsPerSecond = null,
    int? RequestsPerHour = null,
    DateTime? DisabledAt = null)
{
    public static CachedKey From(ApiKey key) =>
        new(key.Id, key.Name, key.TenantId, key.SecretHash, key.IsAdmin, key.Scopes, key.ExpiresAt, key.RevokedAt, key.AllowedNetworks, key.RequestsPerSecond, key.RequestsPerHour, key.DisabledAt);

    public ApiKey ToKey(string prefix) => new()
    {
        Id = Id,
        Name = Name,
        TenantId = TenantId,
        Prefix = prefix,
        SecretHash = SecretHash,
        IsAdmin = IsAdmin,
        Scopes = Scopes,
        ExpiresAt = ExpiresAt,
        RevokedAt = RevokedAt,
        AllowedNetworks = AllowedNetworks,
        RequestsPerSecond = RequestsPerSecond,
        RequestsPerHour = RequestsPerHour,
        DisabledAt = DisabledAt,
    };
}

/// <summary>
/// Key validation without a database read per request: rows are cached by prefix in HybridCache for
/// <c>Keys:CacheSeconds</c>. Revoking or rotating on this node removes the entry at once; other API processes see
/// the change within that bound. Unknown prefixes are not kept (random guesses cannot fill the cache). Also decides
/// when a key's last use is worth writing (once a minute, or when the address changes).
/// </summary>
public sealed class KeyCache(HybridCache cache, Caching.CacheMetrics metrics, TimeProvider clock, IOptions<KeyOptions> options)
{
    private const string CacheName = "api_keys";
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (DateTime At, string? Ip)> _lastWritten = new(StringComparer.Ordinal);

    public async Task<CachedKey?> GetAsync(string prefix, Func<CancellationToken, Task<CachedKey?>> load, CancellationToken cancellationToken)
    {
        var lifetime = TimeSpan.FromSeconds(options.Value.CacheSeconds);
        if (lifetime == TimeSpan.Zero)
        {
            metrics.Miss(CacheName);
            return await load(cancellationToken);
        }

        var missed = false;
        var entry = new HybridCacheEntryOptions { Expiration = lifetime, LocalCacheExpiration = lifetime };
        var key = await cache.GetOrCreateAsync(
            CacheKey(prefix),
            async ct =>
            {
                missed = true;
                return await load(ct);
            },
            entry,
            cancellationToken: cancellationToken);
        metrics.Record(CacheName, missed);
        if (key is null)
        {
            await cache.RemoveAsync(CacheKey(prefix), cancellationToken);
        }

        return key;
    }

    public ValueTask InvalidateAsync(string prefix, CancellationToken cancellationToken) => cache.RemoveAsync(CacheKey(prefix), cancellationToken);

    /// <summary>True when this use should be written (and remembers it).</summary>
    public bool ShouldRecordUse(string keyId, string? ip)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var record = false;
        _lastWritten.AddOrUpdate(
            keyId,
            _ =>
            {
                record = true;
                return (now, ip);
            },
            (_, last) =>
            {
                record = now - last.At > LastUsedResolution || (ip is not null && ip != last.Ip);
                return record ? (now, ip ?? last.Ip) : last;
            });
        return record;
    }

    private static string CacheKey(string prefix) => "apikey:" + prefix;
}
