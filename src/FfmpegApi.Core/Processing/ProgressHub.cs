using System.Collections.Concurrent;
using System.Threading.Channels;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Queue;

namespace FfmpegApi.Core.Processing;

/// <summary>One event for a job's subscribers: a progress reading, or the terminal status.</summary>
public sealed record JobEvent(
    long Sequence,
    JobStatus Status,
    JobProgress Progress,
    DateTime ObservedAt,
    string? ErrorCode = null,
    string? ErrorMessage = null)
{
    public bool IsTerminal => JobStateMachine.IsTerminal(Status);
}

/// <summary>
/// In-process fan-out of job events to SSE subscribers: the worker publishes as ffmpeg reports, subscribers
/// read from their own bounded channel (a slow client drops old progress, never blocks the encode).
/// </summary>
public sealed class ProgressHub(IClusterBus? cluster = null)
{
    private readonly ConcurrentDictionary<string, Topic> _topics = new(StringComparer.Ordinal);

    public JobSubscription Subscribe(string jobId)
    {
        var topic = _topics.GetOrAdd(jobId, _ => new Topic());
        var channel = Channel.CreateBounded<JobEvent>(new BoundedChannelOptions(32)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (topic)
        {
            topic.Subscribers.Add(channel);
        }

        return new JobSubscription(channel.Reader, topic.Latest, () =>
        {
            lock (topic)
            {
                topic.Subscribers.Remove(channel);
            }
        });
    }

    /// <summary>
    /// Publishes an event to this process's subscribers and (on PostgreSQL) to the other processes'; the sequence
    /// number is assigned here (monotonic per job in this process).
    /// </summary>
    public JobEvent Publish(string jobId, JobStatus status, JobProgress progress, DateTime observedAt, string? errorCode = null, string? errorMessage = null)
    {
        cluster?.Post(new ClusterMessage(ClusterMessage.ProgressKind, jobId, new ClusterProgress(status, progress, observedAt, errorCode, errorMessage)));
        return PublishLocal(_topics.GetOrAdd(jobId, _ => new Topic()), jobId, status, progress, observedAt, errorCode, errorMessage);
    }

    /// <summary>An event from another process: delivered only where someone here follows the job.</summary>
    public void PublishFromPeer(string jobId, JobStatus status, JobProgress progress, DateTime observedAt, string? errorCode, string? errorMessage)
    {
        if (_topics.TryGetValue(jobId, out var topic))
        {
            PublishLocal(topic, jobId, status, progress, observedAt, errorCode, errorMessage);
        }
    }

    private JobEvent PublishLocal(Topic topic, string jobId, JobStatus status, JobProgress progress, DateTime observedAt, string? errorCode, string? errorMessage)
    {
        JobEvent evt;
        lock (topic)
        {
            evt = new JobEvent(++topic.Sequence, status, progress, observedAt, errorCode, errorMessage);
            topic.Latest = evt;
            foreach (var subscriber in topic.Subscribers)
            {
                subscriber.Writer.TryWrite(evt);
            }
        }

        if (evt.IsTerminal)
        {
            // Late subscribers read the terminal state from the database.
            _topics.TryRemove(jobId, out _);
        }

        return evt;
    }

    private sealed class Topic
    {
        public long Sequence { get; set; }

        public JobEvent? Latest { get; set; }

        public List<Channel<JobEvent>> Subscribers { get; } = [];
    }
}

public sealed class JobSubscription(ChannelReader<JobEvent> reader, JobEvent? latest, Action unsubscribe) : IDisposable
{
    public ChannelReader<JobEvent> Reader { get; } = reader;

    /// <summary>The newest event published before subscribing, if any.</summary>
    public JobEvent? Latest { get; } = latest;

    public void Dispose() => unsubscribe();
}
