namespace FfmpegApi.Media.Process;

/// <summary>How a process ended. <see cref="Stopped"/> means we stopped it (cancel, timeout, shutdown).</summary>
public sealed record ProcessRunResult(int ExitCode, bool Stopped, IReadOnlyList<string> StderrTail, string Stdout)
{
    public bool Succeeded => ExitCode == 0 && !Stopped;

    /// <summary>
    /// Ended by a signal nobody here sent (128 + SIGABRT/SIGBUS/SIGKILL/SIGSEGV: the OOM killer, a crash): a failure of
    /// the machine rather than of the input, worth another attempt.
    /// </summary>
    public bool Killed => !Stopped && ExitCode is 134 or 135 or 137 or 139;

    /// <summary>The last meaningful stderr line, for a one-line reason in the API.</summary>
    public string? LastError => StderrTail.LastOrDefault(l => !string.IsNullOrWhiteSpace(l));
}
