using System.Collections.Concurrent;
using System.Diagnostics;

namespace FfmpegApi.Media.Process;

/// <summary>
/// Starts ffmpeg and ffprobe so that they cannot outlive this process. On Linux each child runs under
/// <c>setpriv --pdeathsig KILL</c> (util-linux, essential on Debian), which sets the parent-death signal and then
/// execs the program in place: when this process dies for any reason, SIGKILL included, the kernel kills the child.
/// The kernel ties that signal to the thread that forked the child, not to the process, and .NET forks on the calling
/// thread; a thread-pool thread may retire at any time, which would kill the child mid-run. So every start happens on
/// one dedicated thread that lives as long as the process.
/// </summary>
public static class ChildLauncher
{
    private const string SetPriv = "/usr/bin/setpriv";
    private static readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<System.Diagnostics.Process> Started)> Requests = [];
    private static readonly Lazy<bool> Guarded = new(StartSpawner);

    /// <summary>True when children get a parent-death signal here (Linux with setpriv); false: started plainly.</summary>
    public static bool KillsOrphans => Guarded.Value;

    /// <summary>Starts <paramref name="executable"/> with <paramref name="info"/>'s redirections and argv (never a shell).</summary>
    public static Task<System.Diagnostics.Process> StartAsync(string executable, IReadOnlyList<string> arguments, ProcessStartInfo info)
    {
        if (KillsOrphans)
        {
            // As a plain start would, fail at once for a program that is not there (setpriv would exit 127 instead).
            _ = Resolve(executable) ?? throw new System.ComponentModel.Win32Exception(2, $"{executable}: no such file");
            info.FileName = SetPriv;
            foreach (var arg in (IEnumerable<string>)["--pdeathsig", "KILL", "--", executable, .. arguments])
            {
                info.ArgumentList.Add(arg);
            }

            var started = new TaskCompletionSource<System.Diagnostics.Process>(TaskCreationOptions.RunContinuationsAsynchronously);
            Requests.Add((info, started));
            return started.Task;
        }

        info.FileName = executable;
        foreach (var arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }

        return Task.FromResult(Start(info));
    }

    /// <summary>The file a program name runs: itself when it has a directory part, else the first match on PATH.</summary>
    public static string? Resolve(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(program) ? program : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
    }

    private static System.Diagnostics.Process Start(ProcessStartInfo info)
    {
        var process = new System.Diagnostics.Process { StartInfo = info };
        try
        {
            process.Start();
            return process;
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    private static bool StartSpawner()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(SetPriv))
        {
            return false;
        }

        var thread = new Thread(() =>
        {
            foreach (var (info, started) in Requests.GetConsumingEnumerable())
            {
                try
                {
                    started.SetResult(Start(info));
                }
                catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
                {
                    started.SetException(ex);
                }
            }
        })
        {
            IsBackground = true,
            Name = "child-launcher",
        };
        thread.Start();
        return true;
    }
}
