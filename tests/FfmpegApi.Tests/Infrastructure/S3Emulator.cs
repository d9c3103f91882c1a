using System.Diagnostics;
using System.Text.RegularExpressions;
using FfmpegApi.Core.Storage.Blobs;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>
/// A real s3rver (npm, installed by <c>scripts/install-deps.sh --test</c> into <c>.tools/emulators</c>) on a free
/// 127.0.0.1 port with throwaway data, buckets <c>media</c> and <c>other</c>. Null when s3rver is not installed.
/// </summary>
public sealed partial class S3Emulator : IAsyncDisposable
{
    private readonly Process _process;

    private S3Emulator(Process process, string dataDir, int port)
    {
        _process = process;
        DataDir = dataDir;
        Port = port;
    }

    public string DataDir { get; }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>A profile for this emulator (its fixed S3RVER/S3RVER credentials, path-style).</summary>
    public StorageProfile Profile => new() { Endpoint = Endpoint, AccessKey = "S3RVER", SecretKey = "S3RVER", ForcePathStyle = true };

    /// <summary>The same profile as configuration for a test server (<c>Storage:Profiles:{name}:*</c>).</summary>
    public Dictionary<string, string?> Settings(string name = "test") => new()
    {
        [$"Storage:Profiles:{name}:Type"] = "s3",
        [$"Storage:Profiles:{name}:Endpoint"] = Endpoint,
        [$"Storage:Profiles:{name}:AccessKey"] = "S3RVER",
        [$"Storage:Profiles:{name}:SecretKey"] = "S3RVER",
        [$"Storage:Profiles:{name}:ForcePathStyle"] = "true",
    };

    public static string? Binary()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ".tools", "emulators", "node_modules", ".bin", "s3rver");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static async Task<S3Emulator?> StartAsync()
    {
        if (Binary() is not { } binary)
        {
            return null;
        }

        var dataDir = Directory.CreateTempSubdirectory("fa-s3-").FullName;
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-d", dataDir, "-a", "127.0.0.1", "-p", "0", "--configure-bucket", "media", "--configure-bucket", "other" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var ready = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && Listening().Match(line) is { Success: true } match)
            {
                ready.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var port = await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return new S3Emulator(process, dataDir, port);
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(DataDir, recursive: true);
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
