using System.Buffers;

namespace FfmpegApi.Core.Backup;

/// <summary>
/// Copies a stream in turns: it reads everything that comes for a window, then stops reading for as long again as
/// <c>share</c> asks (a share of 1/3: 250 ms on, 500 ms off). Used for <c>pg_dump</c>'s output: while the copy stops,
/// pg_dump blocks once its pipe is full and the server's COPY backend once its socket is, so the dump (its compression
/// and the server's reading) takes about that share of the CPU, however well its output compresses. The pipe and the
/// socket buffer let it work a little into each pause: a share of 1/3 came out at about 0.4, 1/2 at 0.65.
/// </summary>
internal static class PacedCopy
{
    private const int ChunkBytes = 64 * 1024;

    /// <summary>How long the copy reads before it pauses.</summary>
    internal static readonly TimeSpan Window = TimeSpan.FromMilliseconds(250);

    /// <summary>Copies to the end of <paramref name="source"/>; <paramref name="share"/> ≥ 1: without pauses. Returns the bytes copied.</summary>
    public static Task<long> CopyAsync(Stream source, Stream destination, double share, TimeProvider clock, CancellationToken cancellationToken) =>
        CopyAsync(source, destination, share, clock, (pause, token) => Task.Delay(pause, clock, token), cancellationToken);

    /// <summary>As above, pausing through <paramref name="pause"/> (the tests' clock moves there).</summary>
    internal static async Task<long> CopyAsync(Stream source, Stream destination, double share, TimeProvider clock, Func<TimeSpan, CancellationToken, Task> pause, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            var turn = clock.GetTimestamp();
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, ChunkBytes), cancellationToken)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                total += read;
                var ran = clock.GetElapsedTime(turn);
                if (share is > 0 and < 1 && ran >= Window)
                {
                    await pause(ran * ((1 - share) / share), cancellationToken);
                    turn = clock.GetTimestamp();
                }
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
