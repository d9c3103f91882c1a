using System.Diagnostics.Metrics;
using FfmpegApi.Core.Caching;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Processing;
using FfmpegApi.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Tests;

/// <summary>
/// HybridCache in front of ffprobe and ffmpeg's capability listings. The programs are wrapped in scripts that count
/// their runs, so a hit is proven by a process that did not start; hit/miss counters are read from this test's meters.
/// </summary>
public sealed class CacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fa-cache-").FullName;
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        _owned.ForEach(d => d.Dispose());
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_probe_is_answered_from_the_cache_until_the_file_changes()
    {
        var (tools, counts) = Build();
        var media = Path.Combine(_dir, "clip.mp4");
        await TestMedia.GenerateAsync(media, 1);

        var first = await tools.ProbeAsync(media, TestContext.Current.CancellationToken);
        var second = await tools.ProbeAsync(media, TestContext.Current.CancellationToken);
        Runs("ffprobe").ShouldBe(1);
        second.Info.ShouldBe(first.Info);
        second.Info!.DurationSeconds!.Value.ShouldBe(1.0, 0.1);

        // A rewritten file (new size and time) is probed again, and the new answer is what callers get.
        await TestMedia.GenerateAsync(media, 2);
        var third = await tools.ProbeAsync(media, TestContext.Current.CancellationToken);
        Runs("ffprobe").ShouldBe(2);
        third.Info!.DurationSeconds!.Value.ShouldBe(2.0, 0.1);
        counts.Sum("ffmpegapi.cache.hits", ("cache", "probe")).ShouldBe(1);
        counts.Sum("ffmpegapi.cache.misses", ("cache", "probe")).ShouldBe(2);
    }

    [Fact]
    public async Task Failed_probes_and_urls_are_never_cached()
    {
        var (tools, _) = Build();
        var text = Path.Combine(_dir, "notes.txt");
        await File.WriteAllTextAsync(text, "not media", TestContext.Current.CancellationToken);

        (await tools.ProbeAsync(text, TestContext.Current.CancellationToken)).Info.ShouldBeNull();
        var again = await tools.ProbeAsync(text, TestContext.Current.CancellationToken);
        again.Info.ShouldBeNull();
        again.Error.ShouldNotBeNullOrWhiteSpace();
        Runs("ffprobe").ShouldBe(2);

        FfmpegTools.FileIdentity("https://example.invalid/a.mp4").ShouldBeNull();
        FfmpegTools.FileIdentity(Path.Combine(_dir, "missing.mp4")).ShouldBeNull();
    }

    [Fact]
    public async Task Capabilities_are_read_once_per_ffmpeg_binary()
    {
        var (tools, counts) = Build();
        var caps = await tools.GetCapabilitiesAsync();
        caps.HasEncoder("libx264").ShouldBeTrue();
        var runs = Runs("ffmpeg");
        runs.ShouldBeGreaterThan(0);
        (await tools.GetCapabilitiesAsync()).ShouldBeSameAs(caps);
        Runs("ffmpeg").ShouldBe(runs);

        // Replacing the binary (another size and time) invalidates: the listings are read again.
        var wrapper = Path.Combine(_dir, "ffmpeg");
        await File.AppendAllTextAsync(wrapper, "# upgraded\n", TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(wrapper, File.GetLastWriteTimeUtc(wrapper).AddMinutes(1));
        (await tools.GetCapabilitiesAsync()).HasEncoder("libx264").ShouldBeTrue();
        Runs("ffmpeg").ShouldBe(runs * 2);
        counts.Sum("ffmpegapi.cache.hits", ("cache", "capabilities")).ShouldBe(1);
        counts.Sum("ffmpegapi.cache.misses", ("cache", "capabilities")).ShouldBe(2);
    }

    [Fact]
    public async Task With_the_cache_off_every_probe_runs_ffprobe()
    {
        var (tools, _) = Build(new CacheOptions { ProbeSeconds = 0 });
        var media = Path.Combine(_dir, "clip.mp4");
        await TestMedia.GenerateAsync(media, 1);
        await tools.ProbeAsync(media, TestContext.Current.CancellationToken);
        await tools.ProbeAsync(media, TestContext.Current.CancellationToken);
        Runs("ffprobe").ShouldBe(2);
    }

    [Fact]
    public async Task With_redis_configured_a_probe_made_by_one_process_is_a_hit_in_another()
    {
        using var redis = await RedisServer.StartAsync();
        Assert.SkipWhen(redis is null, "redis-server is not installed (scripts/install-deps.sh --test installs it)");
        var media = Path.Combine(_dir, "shared.mp4");
        await TestMedia.GenerateAsync(media, 1);

        // Two service providers configured as production does (Cache:Redis): two processes' caches, one Redis.
        var (first, _) = Build(redis: redis!.ConnectionString);
        var (second, secondCounts) = Build(redis: redis.ConnectionString);
        (await first.ProbeAsync(media, TestContext.Current.CancellationToken)).Info.ShouldNotBeNull();
        await redis.WaitForKeysAsync(1);
        var shared = await second.ProbeAsync(media, TestContext.Current.CancellationToken);
        shared.Info!.DurationSeconds!.Value.ShouldBe(1.0, 0.1);
        shared.Info.FirstVideo!.Width.ShouldBe(320);
        Runs("ffprobe").ShouldBe(1);
        secondCounts.Sum("ffmpegapi.cache.hits", ("cache", "probe")).ShouldBe(1);

        // Redis going away is a miss, not an error: the probe runs.
        redis.Stop();
        var (third, _) = Build(redis: redis.ConnectionString);
        (await third.ProbeAsync(media, TestContext.Current.CancellationToken)).Info.ShouldNotBeNull();
        Runs("ffprobe").ShouldBe(2);
    }

    private int Runs(string program) =>
        File.Exists(Path.Combine(_dir, program + ".runs")) ? File.ReadAllLines(Path.Combine(_dir, program + ".runs")).Length : 0;

    private (FfmpegTools Tools, MeterCounts Counts) Build(CacheOptions? cacheOptions = null, string? redis = null)
    {
        foreach (var program in new[] { "ffmpeg", "ffprobe" })
        {
            var script = Path.Combine(_dir, program);
            if (File.Exists(script))
            {
                continue;
            }

            File.WriteAllText(script, $"#!/bin/sh\necho run >> '{script}.runs'\nexec {program} \"$@\"\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var services = new ServiceCollection().AddMetrics().AddLogging();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Cache:Redis"] = redis }).Build();
        Core.ServiceCollectionExtensions.AddCaching(services, configuration);
        var provider = services.BuildServiceProvider();
        var counts = new MeterCounts(provider.GetRequiredService<IMeterFactory>());
        _owned.Add(counts);
        _owned.Add(provider);
        var tools = new FfmpegTools(
            Options.Create(new FfmpegOptions { FfmpegPath = Path.Combine(_dir, "ffmpeg"), FfprobePath = Path.Combine(_dir, "ffprobe") }),
            provider.GetRequiredService<Microsoft.Extensions.Caching.Hybrid.HybridCache>(),
            provider.GetRequiredService<CacheMetrics>(),
            Options.Create(cacheOptions ?? new CacheOptions()));
        return (tools, counts);
    }
}
