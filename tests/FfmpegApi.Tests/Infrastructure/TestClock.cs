using Microsoft.Extensions.Time.Testing;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>Fake clocks for tests of time (leases, backoffs, timers).</summary>
public static class TestClock
{
    /// <summary>
    /// A <see cref="FakeTimeProvider"/> at the current whole second: PostgreSQL keeps microseconds, so a start with
    /// 100-ns ticks would make stored times differ from the clock's by a fraction of a microsecond.
    /// </summary>
    public static FakeTimeProvider AtCurrentSecond()
    {
        var now = TimeProvider.System.GetUtcNow();
        return new FakeTimeProvider(new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero));
    }
}
