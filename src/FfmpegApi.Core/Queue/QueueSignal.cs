using System.Threading.Channels;

namespace FfmpegApi.Core.Queue;

/// <summary>
/// Wake-up for idle workers: a submit signals, one waiting worker in this process wakes at once, and (with a cluster
/// bus, on PostgreSQL) the other processes are told too. Polling remains only as a slow safety net
/// (<c>Worker:IdlePollSeconds</c>).
/// </summary>
public class QueueSignal(IClusterBus? cluster = null)
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(64)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    /// <summary>Work is ready: wake a worker here and tell the other processes.</summary>
    public void Notify()
    {
        NotifyLocal();
        cluster?.Post(new ClusterMessage(ClusterMessage.Queued));
    }

    /// <summary>Signals once <paramref name="delay"/> has passed (a retry becomes claimable then); the idle poll is the fallback.</summary>
    public void NotifyAfter(TimeSpan delay) =>
        _ = Task.Delay(delay < TimeSpan.Zero ? TimeSpan.Zero : delay).ContinueWith(_ => Notify(), TaskScheduler.Default);

    /// <summary>Wakes a worker in this process only (a signal that came from another process).</summary>
    public void NotifyLocal() => _channel.Writer.TryWrite(true);

    /// <summary>Waits for a signal or the timeout; returns without throwing on timeout.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await _channel.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>Wakes the webhook dispatcher when events were committed to the outbox.</summary>
public sealed class WebhookSignal() : QueueSignal(null);
