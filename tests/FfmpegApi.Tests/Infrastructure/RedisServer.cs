using System.Diagnostics;
using System.Net.Sockets;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>
/// A throwaway Debian <c>redis-server</c> on a free 127.0.0.1 port (no persistence), or null when it is not installed
/// (<c>scripts/install-deps.sh --test</c> installs it).
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000";

    public static async Task<RedisServer?> StartAsync()
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        if (binary is null)
        {
            return null;
        }

        var port = ServerProcess.FreePort();
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--daemonize", "no" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return new RedisServer(process, port);
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        process.Kill();
        throw new InvalidOperationException("redis-server did not start listening.");
    }

    /// <summary>Waits (up to 10 s) until the server holds at least <paramref name="count"/> keys: HybridCache writes its second level in the background.</summary>
    public async Task WaitForKeysAsync(long count)
    {
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var server = connection.GetServer("127.0.0.1", Port);
        for (var i = 0; i < 200 && await server.DatabaseSizeAsync() < count; i++)
        {
            await Task.Delay(50);
        }
    }

    public void Stop()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }
}
