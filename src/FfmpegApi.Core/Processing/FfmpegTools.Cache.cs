using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using FfmpegApi.Core.Caching;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Process;
using Microsoft.Extensions.Caching.Hybrid;

namespace FfmpegApi.Core.Processing;

public sealed partial class FfmpegTools
{
    private (string Identity, Task<FfmpegCapabilities> Load)? _inputCapabilities;

    /// <summary>
    /// Capabilities of the installed ffmpeg; <see cref="FfmpegCapabilities.Empty"/> when it cannot run. Cached by the
    /// binary's resolved path, size and modification time: an upgraded ffmpeg is read again at the next lookup.
    /// </summary>
    public async Task<FfmpegCapabilities> GetCapabilitiesAsync()
    {
        var identity = FileIdentity(ChildLauncher.Resolve(FfmpegPath));
        if (cache is null || _cacheOptions.CapabilitiesSeconds == 0 || identity is null)
        {
            cacheMetrics?.Miss("capabilities");
            return await LoadAsync(options.Value);
        }

        var missed = false;
        var lifetime = TimeSpan.FromSeconds(_cacheOptions.CapabilitiesSeconds);
        var caps = await cache.GetOrCreateAsync(
            "ffmpeg-capabilities:" + identity,
            async _ =>
            {
                missed = true;
                return await LoadAsync(options.Value);
            },
            new HybridCacheEntryOptions { Expiration = lifetime, LocalCacheExpiration = lifetime },
            cancellationToken: CancellationToken.None);
        cacheMetrics?.Record("capabilities", missed);
        if (caps.Encoders.Count == 0 && missed)
        {
            // ffmpeg could not run: do not remember that.
            await cache.RemoveAsync("ffmpeg-capabilities:" + identity);
        }

        return caps;
    }

    /// <summary>
    /// The capabilities that decide which demuxers inputs may use: <see cref="GetCapabilitiesAsync"/>, or, while that
    /// cache is off, one read per binary identity kept here (every probe needs it; reading costs six spawns).
    /// </summary>
    public async Task<FfmpegCapabilities> GetInputCapabilitiesAsync()
    {
        if (cache is not null && _cacheOptions.CapabilitiesSeconds > 0)
        {
            return await GetCapabilitiesAsync();
        }

        var identity = FileIdentity(ChildLauncher.Resolve(FfmpegPath)) ?? FfmpegPath;
        var held = _inputCapabilities;
        if (held is null || held.Value.Identity != identity || (held.Value.Load.IsCompleted && (await held.Value.Load).Demuxers.Count == 0))
        {
            held = (identity, LoadAsync(options.Value));
            _inputCapabilities = held;
        }

        return await held.Value.Load;
    }

    /// <summary>
    /// Probes a file; returns null with the reason when it is not readable media. Results for local files are cached by
    /// path, size and modification time (a rewritten file is probed again); failures and URLs are never cached.
    /// </summary>
    public async Task<(MediaInfo? Info, string? Error)> ProbeAsync(string physicalPath, CancellationToken cancellationToken)
    {
        var identity = cache is null || _cacheOptions.ProbeSeconds == 0 ? null : FileIdentity(physicalPath);
        if (identity is null)
        {
            cacheMetrics?.Miss("probe");
            return await ProbeUncachedAsync(physicalPath, cancellationToken);
        }

        string? error = null;
        var missed = false;
        var span = Activity.Current;
        var lifetime = TimeSpan.FromSeconds(_cacheOptions.ProbeSeconds);
        var key = "probe:" + identity;
        var info = await cache!.GetOrCreateAsync(
            key,
            async ct =>
            {
                // HybridCache runs the factory outside this async flow: keep the ffprobe span in the caller's trace.
                Activity.Current ??= span;
                missed = true;
                var probed = await ProbeUncachedAsync(physicalPath, ct);
                error = probed.Error;
                return probed.Info;
            },
            new HybridCacheEntryOptions { Expiration = lifetime, LocalCacheExpiration = lifetime },
            cancellationToken: cancellationToken);
        cacheMetrics?.Record("probe", missed);
        if (info is null)
        {
            await cache.RemoveAsync(key, cancellationToken);
            return (null, error ?? "No audio or video stream found.");
        }

        return (info, null);
    }

    /// <summary>path|size|mtime of an existing local file, hashed (keys do not reveal paths); null for anything else.</summary>
    public static string? FileIdentity(string? path)
    {
        if (path is null || path.Contains("://", StringComparison.Ordinal))
        {
            return null;
        }

        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return null;
        }

        var text = $"{file.FullName}|{file.Length}|{file.LastWriteTimeUtc.Ticks}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

}
