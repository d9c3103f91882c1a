using System.Threading.Channels;

namespace FfmpegApi.Core.Queue;

/// <summary>
/// In-process wake-up for idle workers: a submit signals, one waiting worker wakes at once. Polling remains
/// only as a slow safety net (<c>Worker:IdlePollSeconds</c>).
/// </summary>
public class QueueSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(64)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    public void Notify() => _channel.Writer.TryWrite(true);

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
public sealed class WebhookSignal : QueueSignal;
