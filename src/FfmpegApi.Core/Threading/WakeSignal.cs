using System.Threading.Channels;

namespace FfmpegApi.Core.Threading;

/// <summary>
/// Wakes a waiting loop at once instead of at its next poll: a bounded channel of "something changed" (extra signals
/// while nobody waits are dropped: one wake-up covers them all). The queue's workers and the webhook dispatcher use it.
/// </summary>
public class WakeSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(64)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    /// <summary>Wakes one waiter in this process.</summary>
    public void NotifyLocal() => _channel.Writer.TryWrite(true);

    /// <summary>Waits for a signal (true) or the timeout (false, without throwing); a signal already given returns at once.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_channel.Reader.TryRead(out _))
        {
            return true;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            return await _channel.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
