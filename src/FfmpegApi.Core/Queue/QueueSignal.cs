using FfmpegApi.Core.Threading;

namespace FfmpegApi.Core.Queue;

/// <summary>
/// Wake-up for idle workers: a submit signals, one waiting worker in this process wakes at once, and (with a cluster
/// bus, on PostgreSQL) the other processes are told too. Polling remains only as a slow safety net
/// (<c>Worker:IdlePollSeconds</c>).
/// </summary>
public sealed class QueueSignal(IClusterBus cluster, TimeProvider clock) : WakeSignal
{
    /// <summary>Work is ready: wake a worker here and tell the other processes.</summary>
    public void Notify()
    {
        NotifyLocal();
        cluster.Post(new ClusterMessage(ClusterMessage.Queued));
    }

    /// <summary>Signals once <paramref name="delay"/> has passed on the clock (a retry becomes claimable then); the idle poll is the fallback.</summary>
    public void NotifyAfter(TimeSpan delay) =>
        _ = Task.Delay(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, clock).ContinueWith(_ => Notify(), TaskScheduler.Default);
}
