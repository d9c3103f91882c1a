using FfmpegApi.Core.Queue;
using FfmpegApi.Core.Webhooks;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// The post-commit step of every queue transition: wakes the webhook dispatcher and the workers, tells followers
/// (SSE, in every process through the hub's cluster bus), stops a cancelled run here and asks the other processes to
/// stop it there, and counts what the queue ended.
/// </summary>
public sealed class QueueEffects(QueueSignal signal, WebhookSignal webhookSignal, ProgressHub hub, RunningJobs running, IClusterBus cluster, JobMetrics metrics) : IQueueEffects
{
    public void Apply(QueueChange change)
    {
        if (change.IsNone)
        {
            return;
        }

        if (change.EventsRecorded)
        {
            webhookSignal.Notify();
        }

        foreach (var announcement in change.Announcements)
        {
            hub.Publish(announcement.JobId, announcement.Status, announcement.Progress, announcement.ObservedAt, announcement.ErrorCode, announcement.Message);
        }

        if (change.StopRun is { } jobId)
        {
            // Without the message another process notices the flag at its next progress write.
            running.TryStop(jobId, StopReason.Cancelled);
            cluster.Post(new ClusterMessage(ClusterMessage.Cancel, jobId));
        }

        if (change.WorkAvailable)
        {
            signal.Notify();
        }

        if (change.WorkAvailableAfter is { } delay)
        {
            signal.NotifyAfter(delay);
        }

        foreach (var outcome in change.EndedOutcomes)
        {
            metrics.Ended(outcome, null);
        }

        if (change.Claimed > 0)
        {
            metrics.ClaimBatch.Record(change.Claimed);
        }
    }
}
