using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>The real executable: CLI key creation, first-start admin key, and recovery after kill -9.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fa-proc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Keys_create_prints_the_key_as_the_last_line_and_stores_only_a_hash()
    {
        var (exit, stdout) = await ServerProcess.RunCliAsync("keys", "create", "--name", "ci", "--admin", "--data-dir", _dir);
        exit.ShouldBe(0, stdout);
        var key = stdout.TrimEnd().Split('\n')[^1];
        key.ShouldStartWith("fa_");

        var (listExit, list) = await ServerProcess.RunCliAsync("keys", "list", "--data-dir", _dir);
        listExit.ShouldBe(0);
        list.ShouldContain("ci");
        list.ShouldContain("admin");
        list.ShouldNotContain(key.Split('_')[2]);
        var db = await File.ReadAllBytesAsync(Path.Combine(_dir, "ffmpeg-api.db"));
        System.Text.Encoding.ASCII.GetString(db).ShouldNotContain(key.Split('_')[2]);
        File.Exists(Path.Combine(_dir, "ffmpeg-api.db-wal")).ShouldBeFalse("the CLI checkpoints and closes cleanly");
    }

    [Fact]
    public async Task Keys_show_rotate_and_revoke_from_the_command_line()
    {
        var (exit, created) = await ServerProcess.RunCliAsync(
            "keys", "create", "--name", "reader", "--scope", "jobs:read", "--expires-days", "7", "--allow-network", "10.0.0.0/8", "--allow-network", "::1", "--requests-per-second", "5", "--data-dir", _dir);
        exit.ShouldBe(0, created);
        created.ShouldContain("scopes jobs:read)");
        var id = created.Split("(id ")[1].Split(',')[0];

        var (showExit, shown) = await ServerProcess.RunCliAsync("keys", "show", id, "--data-dir", _dir);
        showExit.ShouldBe(0, shown);
        shown.ShouldContain("scopes=jobs:read");
        shown.ShouldContain("expires=");
        shown.ShouldContain("networks=10.0.0.0/8,::1/128");
        shown.ShouldContain("per_second=5");

        var (rotateExit, rotated) = await ServerProcess.RunCliAsync("keys", "rotate", id, "--overlap-hours", "2", "--data-dir", _dir);
        rotateExit.ShouldBe(0, rotated);
        rotated.TrimEnd().Split('\n')[^1].ShouldStartWith("fa_");
        rotated.ShouldContain($"Old key {id} works until");

        var (revokeExit, revoked) = await ServerProcess.RunCliAsync("keys", "revoke", id, "--data-dir", _dir);
        revokeExit.ShouldBe(0, revoked);
        revoked.ShouldContain("revoked");
        (await ServerProcess.RunCliAsync("keys", "rotate", id, "--data-dir", _dir)).ExitCode.ShouldBe(1);
        (await ServerProcess.RunCliAsync("keys", "show", "nope", "--data-dir", _dir)).ExitCode.ShouldBe(1);
        (await ServerProcess.RunCliAsync("keys", "create", "--name", "x", "--scope", "root", "--data-dir", _dir)).ExitCode.ShouldBe(2);
        (await ServerProcess.RunCliAsync("keys", "create", "--name", "x", "--allow-network", "10.0.0.0/40", "--data-dir", _dir)).ExitCode.ShouldBe(2);
    }

    [Fact]
    public async Task A_job_left_running_by_a_killed_process_is_requeued_and_completed_after_restart_and_its_ffmpeg_ends_with_it()
    {
        var port = ServerProcess.FreePort();
        await TestMedia.GenerateAsync(Path.Combine(_dir, "storage", "input", "in.mp4"), 20, "640x360");
        string key;
        string id;
        using (var first = await ServerProcess.StartAsync(_dir, port))
        {
            first.Output.ShouldContain("First start: created an admin API key");
            key = System.Text.RegularExpressions.Regex.Match(first.Output, @"fa_[0-9a-f]{12}_[A-Za-z0-9\-]+").Value;
            using var client = Client(first, key);
            id = await client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":{"format":"mp4","video":{"preset":"slow"}}}""");
            await WaitForProgressAsync(client, id);
            var ffmpeg = (await first.ChildrenAsync()).ShouldHaveSingleItem("the encode runs as the server's child");
            (await File.ReadAllTextAsync($"/proc/{ffmpeg}/comm")).Trim().ShouldBe("ffmpeg");

            // SIGKILL of the server alone: the kernel sends its ffmpeg the parent-death signal (no orphan encodes on).
            first.KillServerOnly();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (ServerProcess.IsAlive(ffmpeg) && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(20);
            }

            ServerProcess.IsAlive(ffmpeg).ShouldBeFalse("ffmpeg outlived its server");
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(2));
        }

        Directory.EnumerateDirectories(Path.Combine(_dir, "work")).ShouldContain(d => d.EndsWith(id, StringComparison.Ordinal), "the dead run left its workspace");

        using var second = await ServerProcess.StartAsync(_dir, port);
        second.Output.ShouldNotContain("First start");
        using var again = Client(second, key);
        var done = await again.WaitForEndAsync(id, seconds: 180);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        done["attempts"]!.GetValue<int>().ShouldBe(2);
        var probe = await TestMedia.ProbeAsync(Path.Combine(_dir, "storage", "output", id + ".mp4"));
        probe.DurationSeconds!.Value.ShouldBe(20, 0.1);
        Directory.EnumerateDirectories(Path.Combine(_dir, "work")).ShouldBeEmpty();
    }

    private static HttpClient Client(ServerProcess server, string key)
    {
        var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        return client;
    }

    private static async Task WaitForProgressAsync(HttpClient client, string id)
    {
        for (var i = 0; i < 600; i++)
        {
            var job = await client.GetJobAsync(id);
            if (job["status"]!.GetValue<string>() == "processing" && job["progress"] is JsonValue p && p.GetValue<double>() > 0)
            {
                return;
            }

            job["status"]!.GetValue<string>().ShouldBeOneOf("queued", "processing");
            await Task.Delay(50);
        }

        throw new TimeoutException("the job never showed progress");
    }
}
