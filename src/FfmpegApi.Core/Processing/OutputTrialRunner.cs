using System.Collections.Concurrent;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Process;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// Runs <see cref="OutputTrial"/> against an ffmpeg binary: two to a dozen short ffmpeg runs in a scratch folder that
/// is removed afterwards. The answer depends only on the binary, so it is kept for the process by the binary's
/// identity (path, size, modification time): every server and worker of a process shares one trial, and an upgraded
/// ffmpeg is tried again.
/// </summary>
public static class OutputTrialRunner
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<OutputSupport?>>> Tried = new(StringComparer.Ordinal);

    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    /// <summary>What the build writes, or null when the trial could not run (then every pair is allowed and ffmpeg decides per job).</summary>
    public static async Task<OutputSupport?> GetAsync(string ffmpeg, FfmpegCapabilities capabilities)
    {
        var identity = FfmpegTools.FileIdentity(ChildLauncher.Resolve(ffmpeg)) ?? ffmpeg;
        var held = Tried.GetOrAdd(identity, _ => new Lazy<Task<OutputSupport?>>(() => RunAsync(ffmpeg, capabilities)));
        var support = await held.Value;
        if (support is null)
        {
            // A failed trial is not remembered: the next read tries again.
            Tried.TryRemove(KeyValuePair.Create(identity, held));
        }

        return support;
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

    /// <summary>
    /// Opens every file in one ffmpeg run; one that cannot be opened stops the run, so the run starts again after it
    /// (as many runs as such files, plus one).
    /// </summary>
    private static async Task<Dictionary<string, TrialReadBack>?> ReadBackAsync(string ffmpeg, FfmpegCapabilities capabilities, List<string> files)
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
