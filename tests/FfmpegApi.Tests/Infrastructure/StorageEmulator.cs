using System.Diagnostics;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Storage.Blobs;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>
/// A storage emulator from npm (installed by <c>scripts/install-deps.sh --test</c> into <c>.tools/emulators</c>) on a
/// free 127.0.0.1 port with throwaway data, containers <c>media</c> and <c>other</c>.
/// </summary>
public abstract partial class StorageEmulator : IAsyncDisposable
{
    private readonly Process _process;

    protected StorageEmulator(Process process, string dataDir, int port)
    {
        _process = process;
        DataDir = dataDir;
        Port = port;
    }

    public string DataDir { get; }

    public int Port { get; }

    /// <summary>A profile for this emulator.</summary>
    public abstract StorageProfile Profile { get; }

    /// <summary>The profile as configuration for a test server (<c>Storage:Profiles:{name}:*</c>).</summary>
    public Dictionary<string, string?> Settings(string name = "test")
    {
        var profile = Profile;
        return new Dictionary<string, string?>
        {
            [$"Storage:Profiles:{name}:Type"] = profile.Type,
            [$"Storage:Profiles:{name}:Endpoint"] = profile.Endpoint,
            [$"Storage:Profiles:{name}:AccessKey"] = profile.AccessKey,
            [$"Storage:Profiles:{name}:SecretKey"] = profile.SecretKey,
            [$"Storage:Profiles:{name}:ConnectionString"] = profile.ConnectionString,
            [$"Storage:Profiles:{name}:ForcePathStyle"] = profile.ForcePathStyle ? "true" : "false",
        };
    }

    protected static string? Binary(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ".tools", "emulators", "node_modules", ".bin", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Starts <paramref name="binary"/> and waits for the line that names its port.</summary>
    protected static async Task<(Process Process, int Port)> StartProcessAsync(string binary, IEnumerable<string> args, string workingDirectory)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var arg in args)
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
        try
        {
            return (process, await ready.Task.WaitAsync(TimeSpan.FromSeconds(60)));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(DataDir, recursive: true);
        GC.SuppressFinalize(this);
    }

    [GeneratedRegex(@"listen(?:ing|s) on (?:http://)?127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}

/// <summary>s3rver (credentials S3RVER/S3RVER, path-style). Null when not installed.</summary>
public sealed class S3Emulator(Process process, string dataDir, int port) : StorageEmulator(process, dataDir, port)
{
    public string Endpoint => $"http://127.0.0.1:{Port}";

    public override StorageProfile Profile => new() { Type = "s3", Endpoint = Endpoint, AccessKey = "S3RVER", SecretKey = "S3RVER", ForcePathStyle = true };

    public static async Task<S3Emulator?> StartAsync()
    {
        if (Binary("s3rver") is not { } binary)
        {
            return null;
        }

        var dataDir = Directory.CreateTempSubdirectory("fa-s3-").FullName;
        var (process, port) = await StartProcessAsync(binary, ["-d", dataDir, "-a", "127.0.0.1", "-p", "0", "--configure-bucket", "media", "--configure-bucket", "other"], dataDir);
        return new S3Emulator(process, dataDir, port);
    }
}

/// <summary>Azurite's blob service (the well-known devstoreaccount1 key), in memory. Null when not installed.</summary>
public sealed class AzureEmulator(Process process, string dataDir, int port) : StorageEmulator(process, dataDir, port)
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public string ConnectionString => $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public override StorageProfile Profile => new() { Type = "azure", ConnectionString = ConnectionString };

    public static async Task<AzureEmulator?> StartAsync()
    {
        if (Binary("azurite-blob") is not { } binary)
        {
            return null;
        }

        var dataDir = Directory.CreateTempSubdirectory("fa-azure-").FullName;
        var (process, port) = await StartProcessAsync(
            binary, ["--blobHost", "127.0.0.1", "--blobPort", "0", "--inMemoryPersistence", "--skipApiVersionCheck"], dataDir);
        var emulator = new AzureEmulator(process, dataDir, port);
        var service = new BlobServiceClient(emulator.ConnectionString);
        await service.CreateBlobContainerAsync("media");
        await service.CreateBlobContainerAsync("other");
        return emulator;
    }
}
