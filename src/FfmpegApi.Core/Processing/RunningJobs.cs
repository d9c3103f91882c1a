using System.Collections.Concurrent;

namespace FfmpegApi.Core.Processing;

/// <summary>Why a run was stopped before ffmpeg finished on its own.</summary>
public enum StopReason
{
    None,
    Cancelled,
    TimedOut,
    Stalled,
    LeaseLost,
    Shutdown,

    /// <summary>The input probe, run beside ffmpeg, found the input unusable.</summary>
    InputRejected,
}

/// <summary>
/// The runs in this process: lets a cancel request reach its ffmpeg at once, and lets <c>/logs</c> show the
/// live log of a running job.
/// </summary>
public sealed class RunningJobs
{
    private readonly ConcurrentDictionary<string, RunContext> _runs = new(StringComparer.Ordinal);

    public RunContext Register(string jobId, CancellationToken hostStopping)
    {
        var context = new RunContext(hostStopping);
        _runs[jobId] = context;
        return context;
    }

    public void Unregister(string jobId) => _runs.TryRemove(jobId, out _);

    public bool TryStop(string jobId, StopReason reason)
    {
        if (!_runs.TryGetValue(jobId, out var context))
        {
            return false;
        }

        context.Stop(reason);
        return true;
    }

    public IReadOnlyList<string>? LiveLog(string jobId) => _runs.TryGetValue(jobId, out var c) ? c.Log.Snapshot() : null;
}

/// <summary>One run: a stop token with the first reason that fired, and its log.</summary>
public sealed class RunContext : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private int _reason;

    public RunContext(CancellationToken hostStopping)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(hostStopping);
        hostStopping.Register(() => Stop(StopReason.Shutdown));
    }

    public CancellationToken Token => _cts.Token;

    public StopReason Reason => (StopReason)Volatile.Read(ref _reason);

    public JobLog Log { get; } = new();

    /// <summary>The job's kind and codec for metrics, once its spec is read (<see cref="JobMetrics.Describe"/>).</summary>
    public (string Kind, string Codec)? Described { get; set; }

    public void Stop(StopReason reason)
    {
        Interlocked.CompareExchange(ref _reason, (int)reason, (int)StopReason.None);
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run already ended.
        }
    }

    public void Dispose() => _cts.Dispose();
}

/// <summary>A bounded, thread-safe log for one run.</summary>
public sealed class JobLog
{
    private const int MaxLines = 500;
    private readonly Queue<string> _lines = new();

    public void Add(string line)
    {
        lock (_lines)
        {
            if (_lines.Count == MaxLines)
            {
                _lines.Dequeue();
            }

            _lines.Enqueue(line);
        }
    }

    public IReadOnlyList<string> Snapshot()
    {
        lock (_lines)
        {
            return [.. _lines];
        }
    }

    public override string ToString() => string.Join('\n', Snapshot());
}
