using FfmpegApi.Core.Threading;

namespace FfmpegApi.Core.Webhooks;

/// <summary>Wakes the webhook dispatcher when events were committed to the outbox (this process only: other processes poll).</summary>
public sealed class WebhookSignal : WakeSignal
{
    public void Notify() => NotifyLocal();
}
