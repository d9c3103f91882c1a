using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using FfmpegApi.Core.Auth;
using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Security;

/// <summary>
/// The hourly request limit shared by every API process on one database (PostgreSQL scale-out). Each process admits
/// requests against the last total it read plus what it admitted since, and adds its count to the key's row for the
/// clock hour every <see cref="FlushInterval"/> (one upsert per active key, not one per request), reading the new total
/// back. So a key gets its limit once, not once per process; the overshoot is bounded by what the other processes
/// admit within one flush interval. The per-second limit stays per process (a one-second window cannot wait for a
/// round trip). If the database is unreachable, counting continues locally and is added when it is back.
/// </summary>
public sealed partial class SharedHourlyLimit(IServiceScopeFactory scopes, TimeProvider clock, ILogger<SharedHourlyLimit> logger) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    /// <summary>Counts one request for <paramref name="partition"/>; false (with the wait until the next hour) when over.</summary>
    public bool TryAdmit(string partition, int perHour, out TimeSpan retryAfter)
    {
        var now = clock.GetUtcNow();
        var hour = now.ToUnixTimeSeconds() / 3600;
        retryAfter = DateTimeOffset.FromUnixTimeSeconds((hour + 1) * 3600) - now;
        var counter = _counters.GetOrAdd(partition, _ => new Counter());
        lock (counter)
        {
            if (counter.Hour != hour)
            {
                (counter.Hour, counter.Known, counter.Pending) = (hour, 0, 0);
            }

            counter.LastSeen = now;
            if (counter.Known + counter.Pending >= perHour)
            {
                return false;
            }

            counter.Pending++;
            return true;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await FlushAsync(stoppingToken);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
            {
                LogFlushFailed(logger, e);
            }
        }
    }

    /// <summary>Adds each active key's new requests to its row and reads the total every process has counted.</summary>
    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        foreach (var (partition, counter) in _counters)
        {
            long hour, adding;
            lock (counter)
            {
                (hour, adding) = (counter.Hour, counter.Pending);
            }

            if (now - counter.LastSeen > TimeSpan.FromMinutes(10))
            {
                _counters.TryRemove(partition, out _);
                continue;
            }

            // Also with nothing to add: the other processes' requests count too.
            var total = await db.Database.SqlQuery<long>($"""
                INSERT INTO request_windows (partition, hour, count) VALUES ({partition}, {hour}, {adding})
                ON CONFLICT (partition, hour) DO UPDATE SET count = request_windows.count + EXCLUDED.count
                RETURNING count AS "Value"
                """).ToListAsync(cancellationToken);
            lock (counter)
            {
                if (counter.Hour == hour)
                {
                    counter.Pending -= adding;
                    counter.Known = total[0];
                }
            }
        }

        var stale = now.ToUnixTimeSeconds() / 3600 - 2;
        await db.RequestWindows.Where(w => w.Hour < stale).ExecuteDeleteAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not share request counts through the database; counting locally until it is back")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);

    private sealed class Counter
    {
        public long Hour;
        public long Known;
        public long Pending;
        public DateTimeOffset LastSeen;
    }
}

/// <summary>A <see cref="RateLimiter"/> over <see cref="SharedHourlyLimit"/> for one partition, so it chains with the per-second window.</summary>
internal sealed class SharedHourlyLimiter(SharedHourlyLimit shared, string partition, int perHour) : RateLimiter
{
    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount) =>
        shared.TryAdmit(partition, perHour, out var retryAfter) ? Lease.Admitted : new Lease(false, retryAfter);

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private sealed class Lease(bool acquired, TimeSpan retryAfter) : RateLimitLease
    {
        public static readonly Lease Admitted = new(true, TimeSpan.Zero);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => acquired ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = !acquired && metadataName == MetadataName.RetryAfter.Name ? retryAfter : null;
            return metadata is not null;
        }
    }
}
