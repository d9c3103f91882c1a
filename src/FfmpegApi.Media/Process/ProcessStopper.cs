using System.Runtime.InteropServices;

namespace FfmpegApi.Media.Process;

/// <summary>
/// Graceful stop for ffmpeg. We run ffmpeg with <c>-nostdin</c> (so it never steals or waits on a terminal),
/// which also disables the interactive <c>q</c> key; SIGTERM is the equivalent: ffmpeg's handler finishes the
/// current packet and exits. After the grace period the whole process tree is killed.
/// </summary>
internal static partial class ProcessStopper
{
    private const int SigTerm = 15;

    public static async Task StopAsync(System.Diagnostics.Process process, TimeSpan grace)
    {
        if (process.HasExited)
        {
            return;
        }

        if (!OperatingSystem.IsWindows())
        {
            _ = SysKill(process.Id, SigTerm);
        }

        using var graceCts = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(graceCts.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited between the check and the kill.
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
