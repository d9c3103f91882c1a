using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Process;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// Runs <see cref="OutputTrial"/> against an ffmpeg binary: a few short ffmpeg runs in a scratch folder that is removed
/// afterwards. The answer depends only on the binary and on this release's trial, so it is kept for the process by the
/// binary's identity (path, size, modification time): every server and worker of a process shares one trial, and an
/// upgraded ffmpeg is tried again. With <c>Ffmpeg:OutputTrialCache</c> it is also kept on disk across restarts.
/// </summary>
public static class OutputTrialRunner
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<OutputSupport?>>> Tried = new(StringComparer.Ordinal);

    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    /// <summary>What the build writes, or null when the trial could not run (then every pair is allowed and ffmpeg decides per job).</summary>
    public static async Task<OutputSupport?> GetAsync(string ffmpeg, FfmpegCapabilities capabilities, string? cacheDirectory = null)
    {
        var identity = Identity(ffmpeg);
        var file = CacheFile(ffmpeg, capabilities, cacheDirectory);
        var held = Tried.GetOrAdd(identity, _ => new Lazy<Task<OutputSupport?>>(() => LoadAsync(ffmpeg, capabilities, file)));
        var support = await held.Value;
        if (support is null)
        {
            // A failed trial is not remembered: the next read tries again.
            Tried.TryRemove(KeyValuePair.Create(identity, held));
        }
        else if (file is not null && !File.Exists(file))
        {
            try
            {
                await WriteAsync(file, support);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The cache is an optimisation: a folder that cannot be written only means the next start tries again.
            }
        }

        return support;
    }

    /// <summary>
    /// The trial's file in <paramref name="cacheDirectory"/> (null: none), named by the binary's identity, this build of
    /// the trial (its assembly's MVID) and the trial's own argv: a new ffmpeg or a new release never reads an old answer.
    /// </summary>
    public static string? CacheFile(string ffmpeg, FfmpegCapabilities capabilities, string? cacheDirectory)
    {
        if (cacheDirectory is not { Length: > 0 })
        {
            return null;
        }

        var plan = string.Join('\n', OutputTrial.Plan(capabilities, "/trial", globalHeader: true).EncodeArguments());
        var text = $"{Identity(ffmpeg)}\n{typeof(OutputTrial).Assembly.ManifestModule.ModuleVersionId}\n{plan}";
        return Path.Combine(cacheDirectory, $"output-trial-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32]}.json");
    }

    private static string Identity(string ffmpeg) => FfmpegTools.FileIdentity(ChildLauncher.Resolve(ffmpeg)) ?? ffmpeg;

    private static async Task<OutputSupport?> LoadAsync(string ffmpeg, FfmpegCapabilities capabilities, string? file)
    {
        if (file is not null && File.Exists(file))
        {
            try
            {
                if (JsonSerializer.Deserialize<OutputSupport>(await File.ReadAllTextAsync(file)) is { Containers: not null } cached)
                {
                    return cached;
                }
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                // Unreadable: try again and write it anew.
            }
        }

        try
        {
            return await RunAsync(ffmpeg, capabilities);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No scratch space (a full or read-only temp folder): unknown, so ffmpeg decides per job; tried again later.
            return null;
        }
    }

    /// <summary>Writes the answer whole or not at all (a temporary file renamed over it).</summary>
    private static async Task WriteAsync(string file, OutputSupport support)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var part = file + "." + Guid.NewGuid().ToString("N") + ".part";
        await File.WriteAllTextAsync(part, JsonSerializer.Serialize(support));
        File.Move(part, file, overwrite: true);
    }

    private static async Task<OutputSupport?> RunAsync(string ffmpeg, FfmpegCapabilities capabilities)
    {
        var directory = Directory.CreateTempSubdirectory("ffmpeg-api-trial-").FullName;
        try
        {
            var skip = new HashSet<string>(StringComparer.Ordinal);
            OutputSupport? known = null;
            foreach (var globalHeader in (bool[])[true, false])
            {
                while (true)
                {
                    var trial = OutputTrial.Plan(capabilities, directory, globalHeader, skip, known);
                    var encode = await RunCollectingAsync(ffmpeg, trial.EncodeArguments());
                    if (encode is null)
                    {
                        return null;
                    }

                    if (encode.Value.ExitCode != 0 && trial.FailedEncoder(encode.Value.Stderr) is { } broken && skip.Add(broken))
                    {
                        continue; // an encoder that cannot open stops the whole run: try again without it
                    }

                    var failed = OutputTrial.FailedSlaves(encode.Value.Stderr);
                    var written = trial.Slaves.Where((s, i) => !failed.Contains(i) && new FileInfo(s.File) is { Exists: true, Length: > 0 }).Select(s => s.File).ToList();
                    if (await ReadBackAsync(ffmpeg, capabilities, written) is not { } readBack)
                    {
                        return null;
                    }

                    known = trial.Result(failed, readBack, known);
                    break;
                }
            }

            return known;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Reads the files back in one run per core, each over its share of the files.</summary>
    private static async Task<Dictionary<string, TrialReadBack>?> ReadBackAsync(string ffmpeg, FfmpegCapabilities capabilities, List<string> files)
    {
        var runs = Math.Clamp(Environment.ProcessorCount, 1, 4);
        var parts = await Task.WhenAll(files.Chunk(Math.Max(1, (files.Count + runs - 1) / runs)).Select(chunk => ReadBackPartAsync(ffmpeg, capabilities, [.. chunk])));
        return parts.Any(p => p is null) ? null : parts.SelectMany(p => p!).ToDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// Opens every file in one ffmpeg run; one that cannot be opened stops the run, so the run starts again after it
    /// (as many runs as such files, plus one).
    /// </summary>
    private static async Task<Dictionary<string, TrialReadBack>?> ReadBackPartAsync(string ffmpeg, FfmpegCapabilities capabilities, List<string> files)
    {
        var found = new Dictionary<string, TrialReadBack>(StringComparer.Ordinal);
        var rest = files;
        while (rest.Count > 0)
        {
            var run = await RunCollectingAsync(ffmpeg, OutputTrial.ReadBackArguments(rest, capabilities.InputFormatWhitelist));
            if (run is null)
            {
                return null;
            }

            var inputs = OutputTrial.ParseReadBack(run.Value.Stderr);
            for (var i = 0; i < inputs.Count && i < rest.Count; i++)
            {
                found[rest[i]] = inputs[i];
            }

            rest = rest.Count > inputs.Count ? rest[(inputs.Count + 1)..] : [];
        }

        return found;
    }

    private static async Task<(int ExitCode, List<string> Stderr)?> RunCollectingAsync(string ffmpeg, IReadOnlyList<string> arguments)
    {
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(RunTimeout);
        try
        {
            var result = await FfmpegProcess.RunAsync(new FfmpegRunOptions(ffmpeg, arguments) { OnStderrLine = l => { lock (lines) { lines.Add(l); } }, StderrTailLines = 1, StopGracePeriod = TimeSpan.FromSeconds(1) }, timeout.Token);
            return result.Stopped ? null : (result.ExitCode, lines);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
