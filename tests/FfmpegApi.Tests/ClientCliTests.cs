using System.Text.Json.Nodes;
using FfmpegApi.Cli.Client;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// The command-line client (<c>submit</c>, <c>jobs …</c>, <c>analyze</c>, <c>stream</c>) run as a real process against a
/// live server on loopback. Its stderr is not a terminal here, so progress comes as plain lines.
/// </summary>
public sealed class ClientCliTests : IAsyncLifetime
{
    private ApiServer _server = null!;
    private string _key = null!;
    private string _dir = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ApiServer.StartAsync();
        _key = await _server.CreateKeyAsync("cli");
        _dir = Directory.CreateTempSubdirectory("fa-cli-").FullName;
        await TestMedia.GenerateAsync(Path.Combine(_dir, "clip.mp4"), 2);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Submit_uploads_a_local_file_shows_progress_and_downloads_the_result()
    {
        var output = Path.Combine(_dir, "trimmed.mp4");
        var (code, stdout, stderr) = await CliAsync("submit", Path.Combine(_dir, "clip.mp4"), "--to", "mp4", "--trim", "0.5:1.5", "--wait", "-o", output);
        code.ShouldBe(ClientCommands.ExitCodes.Completed, stderr);
        stderr.ShouldContain("uploading " + Path.Combine(_dir, "clip.mp4"));
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var id = lines.Single(l => l.EndsWith(" submitted", StringComparison.Ordinal)).Split(' ')[1];
        lines.ShouldContain(l => l.StartsWith($"job {id} completed", StringComparison.Ordinal));
        lines.ShouldContain(l => l.StartsWith($"job {id} ", StringComparison.Ordinal) && l.Contains('%'), "plain progress lines in a non-TTY");
        stdout.ShouldStartWith(output + " (");

        var info = await TestMedia.ProbeAsync(output);
        info.DurationSeconds!.Value.ShouldBe(1.0, 0.1);
        info.FirstVideo!.CodecName.ShouldBe("h264");
        File.Exists(output + ".part").ShouldBeFalse();
    }

    [Fact]
    public async Task Without_wait_submit_prints_the_id_and_jobs_show_list_and_logs_find_it()
    {
        var (code, stdout, stderr) = await CliAsync("submit", Path.Combine(_dir, "clip.mp4"), "--to", "mp3", "--quiet");
        code.ShouldBe(0, stderr);
        var id = stdout.Trim();
        Guid.TryParse(id, out _).ShouldBeTrue(stdout);
        using var client = _server.Client(_key);
        (await client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("completed");

        var show = await CliAsync("jobs", "show", id, "--json");
        show.ExitCode.ShouldBe(0, show.Stderr);
        var job = JsonNode.Parse(show.Stdout)!;
        job["id"]!.GetValue<string>().ShouldBe(id);
        job["status"]!.GetValue<string>().ShouldBe("completed");

        var text = await CliAsync("jobs", "show", id);
        text.Stdout.ShouldContain("status:       completed");

        var list = await CliAsync("jobs", "list", "--status", "completed");
        list.ExitCode.ShouldBe(0, list.Stderr);
        list.Stdout.ShouldStartWith("ID");
        list.Stdout.ShouldContain($"{id}  completed");
        JsonNode.Parse((await CliAsync("jobs", "list", "--json")).Stdout)!["jobs"]!.AsArray().ShouldContain(j => j!["id"]!.GetValue<string>() == id);

        var logs = await CliAsync("jobs", "logs", id, "--follow");
        logs.ExitCode.ShouldBe(ClientCommands.ExitCodes.Completed, logs.Stderr);
        logs.Stdout.ShouldContain("completed");
        logs.Stdout.ShouldContain("ffmpeg ");
    }

    [Fact]
    public async Task Exit_codes_reflect_failure_cancellation_refusal_and_configuration()
    {
        // A job that fails: exit 1, the error code on stderr.
        var broken = Path.Combine(_dir, "broken.mp4");
        await File.WriteAllTextAsync(broken, "not a video", TestContext.Current.CancellationToken);
        var failed = await CliAsync("submit", broken, "--to", "mp4", "--wait", "-o", Path.Combine(_dir, "never.mp4"));
        failed.ExitCode.ShouldBe(ClientCommands.ExitCodes.JobFailed, failed.Stderr);
        failed.Stderr.ShouldContain("INVALID_INPUT");
        File.Exists(Path.Combine(_dir, "never.mp4")).ShouldBeFalse();

        // Cancelled: exit 3 from a follower.
        var slow = await CliAsync("submit", "/storage/input/none.mp4", "--to", "mp4");
        slow.ExitCode.ShouldBe(ClientCommands.ExitCodes.Refused, "a missing server file is refused at submit");
        slow.Stderr.ShouldContain("422");
        slow.Stderr.ShouldContain("input");
        var queued = await CliAsync("submit", Path.Combine(_dir, "clip.mp4"), "--to", "webm", "--quiet", "--priority", "low");
        var cancel = await CliAsync("jobs", "cancel", queued.Stdout.Trim());
        cancel.ExitCode.ShouldBe(0, cancel.Stderr);
        var followed = await CliAsync("jobs", "logs", queued.Stdout.Trim(), "--follow");
        followed.ExitCode.ShouldBe(ClientCommands.ExitCodes.JobCancelled, followed.Stdout + followed.Stderr);

        // Bad arguments, no key, a wrong key, nobody listening.
        (await CliAsync("submit", Path.Combine(_dir, "clip.mp4"))).ExitCode.ShouldBe(ClientCommands.ExitCodes.Usage);
        // A relative name must be a local file; an absolute path that is not one here is taken as the server's.
        (await CliAsync("submit", "missing.mp4", "--to", "mp4")).ExitCode.ShouldBe(ClientCommands.ExitCodes.Usage);
        (await CliAsync("submit", Path.Combine(_dir, "missing.mp4"), "--to", "mp4")).ExitCode.ShouldBe(ClientCommands.ExitCodes.Refused);
        (await CliAsync("submit", Path.Combine(_dir, "clip.mp4"), "--to", "mp4", "--trim", "nonsense")).Stderr.ShouldContain("--trim");
        (await CliAsync("submit", Path.Combine(_dir, "clip.mp4"), "--to", "mp4", "--upscale", "x2")).Stderr.ShouldContain("--upscale");

        // --upscale and --target-vmaf reach the body: this server has no models (422 naming the operation) but has VMAF.
        var upscaled = await CliAsync("submit", Path.Combine(_dir, "clip.mp4"), "--to", "mp4", "--trim", "0:1", "--upscale", "2:none");
        upscaled.ExitCode.ShouldBe(ClientCommands.ExitCodes.Refused, upscaled.Stderr);
        upscaled.Stderr.ShouldContain("operations[1]");
        var targeted = await CliAsync("submit", Path.Combine(_dir, "clip.mp4"), "--to", "mp4", "--target-vmaf", "91", "--priority", "low", "--quiet");
        targeted.ExitCode.ShouldBe(0, targeted.Stderr);
        (await _server.Client(_key).GetJobAsync(targeted.Stdout.Trim()))["status"]!.GetValue<string>().ShouldBeOneOf("queued", "processing");
        (await CliAsync("jobs", "cancel", targeted.Stdout.Trim())).ExitCode.ShouldBe(0);
        var noKey = await ServerProcess.RunCliWithErrorsAsync(new Dictionary<string, string?> { ["FFMPEG_API_URL"] = _server.BaseAddress.ToString(), ["HOME"] = _dir }, "jobs", "list");
        noKey.ExitCode.ShouldBe(ClientCommands.ExitCodes.Usage);
        noKey.Stderr.ShouldContain("FFMPEG_API_KEY");
        var wrongKey = await ServerProcess.RunCliWithErrorsAsync(new Dictionary<string, string?> { ["FFMPEG_API_URL"] = _server.BaseAddress.ToString(), ["FFMPEG_API_KEY"] = "fa_wrong" }, "jobs", "list");
        wrongKey.ExitCode.ShouldBe(ClientCommands.ExitCodes.Refused);
        wrongKey.Stderr.ShouldContain("401");
        var nobody = await ServerProcess.RunCliWithErrorsAsync(new Dictionary<string, string?> { ["FFMPEG_API_KEY"] = _key }, "jobs", "list", "--server", $"http://127.0.0.1:{ServerProcess.FreePort()}");
        nobody.ExitCode.ShouldBe(ClientCommands.ExitCodes.Unreachable);
    }

    [Fact]
    public async Task A_config_file_supplies_the_server_and_key_and_flags_win_over_it()
    {
        var config = Path.Combine(_dir, "client.json");
        await File.WriteAllTextAsync(config, JobClient.Json(new { url = _server.BaseAddress.ToString(), key = _key }), TestContext.Current.CancellationToken);
        var fromFile = await ServerProcess.RunCliWithErrorsAsync(null, "jobs", "list", "--config", config);
        fromFile.ExitCode.ShouldBe(0, fromFile.Stderr);
        var overridden = await ServerProcess.RunCliWithErrorsAsync(null, "jobs", "list", "--config", config, "--key", "fa_wrong");
        overridden.ExitCode.ShouldBe(ClientCommands.ExitCodes.Refused);

        var env = new Func<string, string?>(name => name switch { "FFMPEG_API_URL" => "http://env:1", "FFMPEG_API_KEY" => "env-key", _ => null });
        ClientSettings.Resolve(null, null, config, env).Settings!.ShouldBe(new ClientSettings(new Uri("http://env:1"), "env-key"));
        ClientSettings.Resolve("http://flag:2", "flag-key", config, env).Settings!.ShouldBe(new ClientSettings(new Uri("http://flag:2"), "flag-key"));
        ClientSettings.Resolve(null, null, config, _ => null).Settings!.Key.ShouldBe(_key);
        ClientSettings.Resolve("ftp://x", "k", null, _ => null).Problem!.ShouldContain("not an http(s) URL");
        ClientSettings.Resolve(null, null, Path.Combine(_dir, "nope.json"), _ => null).Problem!.ShouldContain("does not exist");
    }

    [Fact]
    public async Task Analyze_and_stream_follow_their_jobs_and_print_results()
    {
        var analyze = await CliAsync("analyze", Path.Combine(_dir, "clip.mp4"), Path.Combine(_dir, "clip.mp4"), "--metric", "psnr", "--wait", "--quiet");
        analyze.ExitCode.ShouldBe(0, analyze.Stderr);
        analyze.Stdout.ShouldStartWith("psnr: mean ");

        var stream = await CliAsync("stream", Path.Combine(_dir, "clip.mp4"), "--variant", "240p@300k", "--wait", "--quiet");
        stream.ExitCode.ShouldBe(0, stream.Stderr);
        stream.Stdout.ShouldContain(".m3u8");

        var json = await CliAsync("submit", Path.Combine(_dir, "clip.mp4"), "--to", "mp3", "--wait", "--json", "-o", Path.Combine(_dir, "clip.mp3"));
        json.ExitCode.ShouldBe(0, json.Stderr);
        var job = JsonNode.Parse(json.Stdout)!;
        job["status"]!.GetValue<string>().ShouldBe("completed");
        job["downloaded_to"]!.GetValue<string>().ShouldBe(Path.Combine(_dir, "clip.mp3"));
        (await TestMedia.ProbeAsync(Path.Combine(_dir, "clip.mp3"))).FirstAudio!.CodecName.ShouldBe("mp3");
    }

    [Fact]
    public async Task On_a_terminal_submit_draws_a_live_progress_bar()
    {
        // util-linux `script` gives the client a pseudo-terminal, as a user's shell would.
        Assert.SkipWhen(!File.Exists("/usr/bin/script"), "util-linux script is not installed");
        var output = Path.Combine(_dir, "tty.mp4");
        var command = string.Join(' ', new[] { "dotnet", ServerProcess.Dll, "submit", Path.Combine(_dir, "clip.mp4"), "--to", "mp4", "--wait", "-o", output }.Select(a => "'" + a + "'"));
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/script", ["-qefc", command, "/dev/null"]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.Environment["FFMPEG_API_URL"] = _server.BaseAddress.ToString();
        start.Environment["FFMPEG_API_KEY"] = _key;
        start.Environment["TERM"] = "xterm-256color";
        start.Environment["COLUMNS"] = "120";
        using var process = System.Diagnostics.Process.Start(start)!;
        var screen = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
        var text = await screen;
        process.ExitCode.ShouldBe(0, text);
        text.ShouldContain("\u001b[", Case.Sensitive, "ANSI redraws of the live bar");
        text.ShouldContain("100%");
        text.ShouldContain("completed");
        (await TestMedia.ProbeAsync(output)).FirstVideo!.CodecName.ShouldBe("h264");
    }

    [Theory]
    [InlineData("10:60", 10.0, 60.0)]
    [InlineData("10:", 10.0, null)]
    [InlineData(":30", null, 30.0)]
    public void Trim_ranges_in_seconds(string range, double? start, double? end)
    {
        var trim = ClientCommands.Trim(range);
        trim["start"]?.GetValue<double>().ShouldBe(start!.Value);
        trim["end"]?.GetValue<double>().ShouldBe(end!.Value);
        (trim["start"] is null).ShouldBe(start is null);
        (trim["end"] is null).ShouldBe(end is null);
        ClientCommands.Trim("00:00:10,00:01:00")["end"]!.GetValue<string>().ShouldBe("00:01:00");
    }

    [Fact]
    public void Following_a_log_tail_prints_each_line_once()
    {
        ClientCommands.Overlap(["a", "b", "c"], ["b", "c", "d", "e"]).ShouldBe(2);
        ClientCommands.Overlap(["a", "b"], ["a", "b"]).ShouldBe(2);
        ClientCommands.Overlap(["a"], ["x", "y"]).ShouldBe(0);
        ClientCommands.Overlap([], ["x"]).ShouldBe(0);
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> CliAsync(params string[] args) =>
        ServerProcess.RunCliWithErrorsAsync(new Dictionary<string, string?> { ["FFMPEG_API_URL"] = _server.BaseAddress.ToString(), ["FFMPEG_API_KEY"] = _key }, args);
}
