using System.Diagnostics;
using FfmpegApi.Media.Progress;

namespace FfmpegApi.Media.Process;

/// <summary>Options for one ffmpeg run. Arguments are argv entries, never a shell string.</summary>
public sealed record FfmpegRunOptions(string Executable, IReadOnlyList<string> Arguments)
{
    public Action<ProgressUpdate>? OnProgress { get; init; }

    public Action<int>? OnStarted { get; init; }

    public Action<string>? OnStderrLine { get; init; }

    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    public int StderrTailLines { get; init; } = 50;

    /// <summary>Writes the process's stdin (closed when it returns); null: stdin is closed at start.</summary>
    public Func<Stream, Task>? StandardInput { get; init; }

    /// <summary>Reads the process's stdout as bytes (e.g. raw frames); null: stdout carries progress lines.</summary>
    public Func<Stream, Task>? StandardOutput { get; init; }
}

/// <summary>Runs ffmpeg (or ffprobe) with progress on stdout, a bounded stderr tail, and a graceful stop.</summary>
public static class FfmpegProcess
{
    /// <summary>
    /// Runs to completion. When <paramref name="stopToken"/> fires the process is stopped (SIGTERM, grace, kill)
    /// and the result has <c>Stopped = true</c>; this method does not throw for that.
    /// </summary>
    public static async Task<ProcessRunResult> RunAsync(FfmpegRunOptions options, CancellationToken stopToken)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        using var activity = MediaTracing.StartProcess(options);
        using var process = await ChildLauncher.StartAsync(options.Executable, options.Arguments, psi);
        activity?.SetTag("process.pid", process.Id);
        var stdinTask = Task.CompletedTask;
        if (options.StandardInput is { } writer)
        {
            stdinTask = Task.Run(async () =>
            {
                try
                {
                    await writer(process.StandardInput.BaseStream);
                }
                finally
                {
                    CloseQuietly(process.StandardInput);
                }
            }, CancellationToken.None);
        }
        else
        {
            process.StandardInput.Close();
        }

        options.OnStarted?.Invoke(process.Id);

        var stdout = new System.Text.StringBuilder();
        var parser = new ProgressParser();
        var stdoutTask = options.StandardOutput is { } reader ? Task.Run(() => reader(process.StandardOutput.BaseStream), CancellationToken.None) : PumpAsync(process.StandardOutput, line =>
        {
            var update = parser.Feed(line);
            if (update is not null)
            {
                options.OnProgress?.Invoke(update);
            }
            else if (options.OnProgress is null)
            {
                stdout.AppendLine(line);
            }
        });
        var tail = new Queue<string>(options.StderrTailLines);
        var stderrTask = PumpAsync(process.StandardError, line =>
        {
            options.OnStderrLine?.Invoke(line);
            lock (tail)
            {
                if (tail.Count == options.StderrTailLines)
                {
                    tail.Dequeue();
                }

                tail.Enqueue(line);
            }
        });

        var stopped = false;
        try
        {
            await process.WaitForExitAsync(stopToken);
        }
        catch (OperationCanceledException)
        {
            stopped = true;
            await ProcessStopper.StopAsync(process, options.StopGracePeriod);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        await Task.WhenAll(stdoutTask, stderrTask, stdinTask);
        string[] lines;
        lock (tail)
        {
            lines = [.. tail];
        }

        var result = new ProcessRunResult(process.ExitCode, stopped, lines, stdout.ToString());
        MediaTracing.End(activity, result);
        return result;
    }

    /// <summary>Runs a short command and captures its output, bounded by <paramref name="timeout"/>.</summary>
    public static async Task<ProcessRunResult> CaptureAsync(string executable, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        return await RunAsync(new FfmpegRunOptions(executable, arguments) { StderrTailLines = 200, StopGracePeriod = TimeSpan.FromSeconds(1) }, cts.Token);
    }

    /// <summary>Closing stdin of a process that already exited fails with a broken pipe: nothing is lost then.</summary>
    private static void CloseQuietly(StreamWriter stdin)
    {
        try
        {
            stdin.Close();
        }
        catch (IOException)
        {
        }
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            onLine(line);
        }
    }
}
