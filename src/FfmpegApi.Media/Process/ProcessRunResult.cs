namespace FfmpegApi.Media.Process;

/// <summary>How a process ended. <see cref="Stopped"/> means we stopped it (cancel, timeout, shutdown).</summary>
public sealed record ProcessRunResult(int ExitCode, bool Stopped, IReadOnlyList<string> StderrTail, string Stdout)
{
    public bool Succeeded => ExitCode == 0 && !Stopped;

    /// <summary>The last meaningful stderr line, for a one-line reason in the API.</summary>
    public string? LastError => StderrTail.LastOrDefault(l => !string.IsNullOrWhiteSpace(l));
}
