using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FfmpegApi.Core.Caching;

/// <summary>Hits and misses of the service's caches, by <c>cache</c>: <c>api_keys</c>, <c>probe</c>, <c>capabilities</c>.</summary>
public sealed class CacheMetrics
{
    public const string MeterName = "FfmpegApi.Cache";
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;

    public CacheMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _hits = meter.CreateCounter<long>("ffmpegapi.cache.hits", description: "Lookups answered from a cache, by cache");
        _misses = meter.CreateCounter<long>("ffmpegapi.cache.misses", description: "Lookups that had to compute or read the value, by cache");
    }

    public void Hit(string cache) => _hits.Add(1, new TagList { { "cache", cache } });

    public void Miss(string cache) => _misses.Add(1, new TagList { { "cache", cache } });

    public void Record(string cache, bool missed)
    {
        if (missed)
        {
            Miss(cache);
        }
        else
        {
            Hit(cache);
        }
    }
}
