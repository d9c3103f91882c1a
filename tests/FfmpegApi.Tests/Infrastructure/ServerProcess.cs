using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>The real <c>ffmpeg-api</c> executable in a child process, for CLI and crash tests.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "ffmpeg-api.dll");

    /// <summary>Runs a CLI command to completion and returns (exit code, stdout).</summary>
    public static Task<(int ExitCode, string Stdout)> RunCliAsync(params string[] args) => RunCliAsync(null, args);

    /// <summary>Runs a CLI command with extra environment variables (configuration such as <c>Database__Provider</c>).</summary>
    public static async Task<(int ExitCode, string Stdout)> RunCliAsync(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var (exitCode, stdout, _) = await RunCliWithErrorsAsync(environment, args);
        return (exitCode, stdout);
    }

    /// <summary>Runs a CLI command to completion and returns (exit code, stdout, stderr).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunCliWithErrorsAsync(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(args, environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts <c>serve</c> (or <c>api</c> / <c>worker</c>) and waits until <c>/health/live</c> answers.</summary>
    public static async Task<ServerProcess> StartAsync(string dataDir, int port, string mode = "serve", IReadOnlyDictionary<string, string?>? environment = null)
    {
        var url = $"http://127.0.0.1:{port}";
        string[] args = mode == "api" ? [mode, "--data-dir", dataDir, "--urls", url] : [mode, "--data-dir", dataDir, "--urls", url, "--concurrency", "1"];
        var process = Process.Start(StartInfo(args, environment))!;
        var server = new ServerProcess(process, new Uri(url));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // A process started beside busy ones (workers on a full queue, 2 cores) may take seconds to answer: each probe
        // may time out; the start as a whole is bounded.
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"ffmpeg-api exited with {process.ExitCode}:\n{server.Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/health/live", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return server;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        server.Kill();
        throw new TimeoutException($"ffmpeg-api did not start:\n{server.Output}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGTERM (what an orchestrator sends) and wait for the exit; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>
    /// Sends <paramref name="signal"/> (<c>STOP</c>, <c>CONT</c>) to the server and every process below it (ffmpeg): with
    /// STOP the machine froze — no heartbeat, no lease renewal, no progress — until CONT.
    /// </summary>
    public async Task SignalTreeAsync(string signal)
    {
        var pids = new List<int> { _process.Id };
        for (var i = 0; i < pids.Count; i++)
        {
            pids.AddRange(await ChildrenOfAsync(pids[i]));
        }

        using var kill = Process.Start("kill", [$"-{signal}", .. pids.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        await kill.WaitForExitAsync();
    }

    /// <summary>The pids of the server's direct children (its ffmpeg runs).</summary>
    public Task<IReadOnlyList<int>> ChildrenAsync() => ChildrenOfAsync(_process.Id);

    /// <summary>SIGKILL the server process alone (not its children): what the OOM killer or a crash does.</summary>
    public void KillServerOnly()
    {
        using var kill = Process.Start("kill", ["-KILL", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit(10_000);
        _process.WaitForExit(10_000);
    }

    /// <summary>True while <paramref name="pid"/> is a live process (a zombie waiting for its reaper counts as ended).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL the server and its children (ffmpeg): the machine just died.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>The direct children of <paramref name="pid"/>, read with pgrep.</summary>
    private static async Task<IReadOnlyList<int>> ChildrenOfAsync(int pid)
    {
        using var children = Process.Start(new ProcessStartInfo("pgrep", ["-P", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true })!;
        var text = await children.StandardOutput.ReadToEndAsync();
        await children.WaitForExitAsync();
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))];
    }

    private static ProcessStartInfo StartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        psi.Environment["Jobs__ProgressPersistMilliseconds"] = "200";
        psi.Environment["Limits__RequestsPerSecond"] = "0";
        psi.Environment["Backup__Enabled"] = "false";
        psi.Environment["Limits__MaxActiveJobsPerTenant"] = "0";
        psi.Environment["Ffmpeg__OutputTrialCache"] = ApiServer.OutputTrialCache;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            psi.Environment[name.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return psi;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
