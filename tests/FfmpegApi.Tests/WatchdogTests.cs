using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>A hung ffmpeg (no progress at all) is stopped by the watchdog and the job fails as STALLED.</summary>
public sealed class WatchdogTests : IAsyncLifetime
{
    private string _script = null!;
    private ApiServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        // Stands in for an ffmpeg that hangs: listings go to the real ffmpeg, a job run just sleeps silently.
        _script = Path.Combine(Directory.CreateTempSubdirectory("fa-hang-").FullName, "ffmpeg");
        await File.WriteAllTextAsync(_script, "#!/bin/sh\ncase \"$*\" in *-progress*) exec sleep 60;; *) exec ffmpeg \"$@\";; esac\n");
        File.SetUnixFileMode(_script, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        _server = await ApiServer.StartAsync(new Dictionary<string, string?>
        {
            ["Ffmpeg:FfmpegPath"] = _script,
            ["Jobs:StallTimeoutSeconds"] = "1",
            ["Jobs:StopGraceSeconds"] = "1",
            ["Worker:RetryBaseSeconds"] = "1",
        });
        await TestMedia.GenerateAsync(Path.Combine(_server.StorageRoot, "input", "in.mp4"), 1);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_script)!, recursive: true);
    }

    [Fact]
    public async Task A_run_without_progress_is_stopped_retried_and_dead_as_stalled_after_its_last_attempt()
    {
        using var client = _server.Client(await _server.CreateKeyAsync("hang"));
        var id = await client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":"mp4","options":{"max_attempts":2}}""");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var done = await client.WaitForEndAsync(id, seconds: 30);

        // A stall is the machine's fault as often as the input's: it is retried (after the 0.5–1 s backoff set here).
        done["status"]!.GetValue<string>().ShouldBe("dead");
        done["error"]!["code"]!.GetValue<string>().ShouldBe("STALLED");
        (await client.GetJobAsync(id))["attempt_history"]!.AsArray().Select(a => a!["outcome"]!.GetValue<string>()).ShouldBe(["retried", "dead"]);
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(15));
        Directory.Exists(Path.Combine(_server.WorkspaceRoot, id)).ShouldBeFalse();
    }
}
