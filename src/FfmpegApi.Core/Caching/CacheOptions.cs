using System.ComponentModel.DataAnnotations;

namespace FfmpegApi.Core.Caching;

/// <summary>
/// Section <c>Cache</c>: HybridCache in memory, with Redis as a second level only when <see cref="Redis"/> is set.
/// API keys have their own lifetime (<c>Keys:CacheSeconds</c>).
/// </summary>
public sealed class CacheOptions
{
    public const string Section = "Cache";

    /// <summary>How long an ffprobe result of an unchanged local file is kept (path + size + modification time); 0 = never.</summary>
    [Range(0, 86_400)]
    public int ProbeSeconds { get; set; } = 600;

    /// <summary>
    /// How long the installed ffmpeg's capabilities are kept. They are keyed by the binary's path, size and modification
    /// time, so replacing ffmpeg is seen at the next lookup regardless; 0 = run ffmpeg on every lookup.
    /// </summary>
    [Range(0, 604_800)]
    public int CapabilitiesSeconds { get; set; } = 86_400;

    /// <summary>
    /// Memory for serialized job views (<c>GET /jobs/{id}</c> and the job list), in MiB; a view is served again while its
    /// job's row is unchanged (checked on every read, so no view is ever stale); 0 = build every view anew.
    /// </summary>
    [Range(0, 4096)]
    public int JobViewMegabytes { get; set; } = 32;

    /// <summary>A Redis connection string for a shared second level (e.g. <c>redis:6379,password=…</c>); none by default.</summary>
    public string? Redis { get; set; }
}
