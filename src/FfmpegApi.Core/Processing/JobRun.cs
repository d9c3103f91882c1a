using System.Globalization;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Queue;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// One attempt at one job, shared by the runner, the job kind's handler and their collaborators: the workspace, the
/// progress state, the run's log and stop reason, and the token that every step of the run is given explicitly.
/// Progress reports go to <paramref name="onProgress"/> (the lease monitor and the SSE hub in a worker).
/// </summary>
internal sealed class JobRun(Job job, string workerId, RunContext context, string workspace, string inputFormats, Func<string, string> sanitize, TimeProvider clock, Action<JobProgress> onProgress)
{
    private double _seconds = double.NaN;
    private int _staged;
    private long _inputBytes;
    private JobProgress _last = new("starting", null, null, null, null, null, null, null);

    /// <summary>Presigned URLs given to ffmpeg, and the addresses logs show instead (a URL is a credential).</summary>
    private readonly List<(string Url, string Address)> _secrets = [];

    public Job Job => job;

    public string WorkerId => workerId;

    /// <summary>The run's stop switch (cancel, timeout, stall, lost lease, shutdown, rejected input) and its log.</summary>
    public RunContext Context => context;

    /// <summary>Fires when the run is stopped for any <see cref="StopReason"/>.</summary>
    public CancellationToken Token => context.Token;

    /// <summary>This attempt's private directory; removed when the run ends.</summary>
    public string Workspace => workspace;

    /// <summary>Every media input's <c>-format_whitelist</c> on this machine, read once for the run.</summary>
    public string InputFormats => inputFormats;

    public TimeProvider Clock => clock;

    /// <summary>The latest progress (written by ffmpeg's progress callback on another thread).</summary>
    public JobProgress Last => Volatile.Read(ref _last);

    /// <summary>ffmpeg's description of its inputs and outputs in the last pass that ran (read from its stderr).</summary>
    public Media.Probe.FfmpegHeader? Header { get; set; }

    /// <summary>Why the checks beside ffmpeg rejected the input (set before they stop the run).</summary>
    public JobFailure? Rejection { get; set; }

    /// <summary>Set for <c>input_access: stream</c>: how long presigned input URLs must stay valid (the job's time limit and a margin).</summary>
    public TimeSpan? StreamFor { get; set; }

    /// <summary>The output duration the progress percentage is measured against, once known.</summary>
    public double? ExpectedSeconds
    {
        get => Volatile.Read(ref _seconds) is var s && double.IsNaN(s) ? null : s;
        set => Volatile.Write(ref _seconds, value ?? double.NaN);
    }

    /// <summary>Records and announces progress.</summary>
    public void Report(JobProgress progress)
    {
        Volatile.Write(ref _last, progress);
        onProgress(progress);
    }

    /// <summary>Announces a new stage, keeping the rest of the latest progress.</summary>
    public void Stage(string stage) => Report(Last with { Stage = stage });

    /// <summary>Bytes of the input files the run read (every input: the main one, a reference, a watermark).</summary>
    public long InputBytes => Interlocked.Read(ref _inputBytes);

    /// <summary>Counts an input file of <paramref name="bytes"/> for the usage meter.</summary>
    public void CountInput(long bytes) => Interlocked.Add(ref _inputBytes, bytes);

    /// <summary>A numbered name for the next input copied into the workspace.</summary>
    public int NextStagedInput() => Interlocked.Increment(ref _staged);

    /// <summary>Adds a timestamped line to the job's log.</summary>
    public void Log(string message) => context.Log.Add(Line(clock, message));

    /// <summary>Adds a line of a tool's output to the job's log as it is (already cleaned by the caller).</summary>
    public void LogRaw(string line) => context.Log.Add(line);

    public void Hide(string url, string address)
    {
        lock (_secrets)
        {
            _secrets.Add((url, address));
        }
    }

    /// <summary>Logs and errors name files by their virtual paths and the workspace as $WORKSPACE, never server directories.</summary>
    public string Clean(string text)
    {
        lock (_secrets)
        {
            foreach (var (url, address) in _secrets)
            {
                text = text.Replace(url, address, StringComparison.Ordinal);
            }
        }

        return sanitize(text.Replace(workspace, "$WORKSPACE", StringComparison.Ordinal));
    }

    /// <summary>Stops the run (its token fires) with the first reason given.</summary>
    public void Stop(StopReason reason) => context.Stop(reason);

    internal static string Line(TimeProvider clock, string message) =>
        $"[{clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)}] {message}";
}
