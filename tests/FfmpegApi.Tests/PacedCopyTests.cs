using FfmpegApi.Core.Backup;
using Microsoft.Extensions.Time.Testing;

namespace FfmpegApi.Tests;

/// <summary>The share of time a PostgreSQL dump is copied in (Backup:DumpShare), on a fake clock: it reads for a window, then pauses in proportion.</summary>
public sealed class PacedCopyTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(0.25)]
    public async Task A_paced_copy_pauses_until_its_work_is_its_share_of_the_time_and_copies_every_byte(double share)
    {
        var clock = new FakeTimeProvider();
        var data = new byte[40 * 64 * 1024];
        Random.Shared.NextBytes(data);
        using var destination = new MemoryStream();
        var pauses = new List<TimeSpan>();
        var copied = await PacedCopy.CopyAsync(new WorkingSource(data, clock, TimeSpan.FromMilliseconds(15)), destination, share, clock, (pause, _) =>
        {
            pauses.Add(pause);
            clock.Advance(pause);
            return Task.CompletedTask;
        }, TestContext.Current.CancellationToken);

        copied.ShouldBe(data.Length);
        destination.ToArray().ShouldBe(data);

        // 40 reads of 15 ms each: 600 ms of work, in turns of 17 reads (255 ms, the first past the 250-ms window), each
        // followed by a pause of (1 − share) / share as long; the last 90 ms end without a pause.
        var turn = TimeSpan.FromMilliseconds(255);
        pauses.Count.ShouldBe(2);
        pauses.ShouldAllBe(p => p == turn * ((1 - share) / share));
    }

    [Fact]
    public async Task At_a_full_share_the_copy_never_pauses()
    {
        var clock = new FakeTimeProvider();
        var data = new byte[10 * 64 * 1024];
        Random.Shared.NextBytes(data);
        using var destination = new MemoryStream();
        var paused = false;
        var copied = await PacedCopy.CopyAsync(new WorkingSource(data, clock, TimeSpan.FromMilliseconds(50)), destination, 1, clock, (_, _) =>
        {
            paused = true;
            return Task.CompletedTask;
        }, TestContext.Current.CancellationToken);
        copied.ShouldBe(data.Length);
        destination.ToArray().ShouldBe(data);
        paused.ShouldBeFalse();
    }

    /// <summary>A source whose every read takes <paramref name="work"/> of the fake clock (pg_dump producing a chunk).</summary>
    private sealed class WorkingSource(byte[] data, FakeTimeProvider clock, TimeSpan work) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = Read(buffer.Span);
            if (read > 0)
            {
                clock.Advance(work);
            }

            return ValueTask.FromResult(read);
        }
    }
}
