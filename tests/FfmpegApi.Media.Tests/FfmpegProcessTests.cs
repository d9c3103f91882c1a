using System.Diagnostics;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Process;
using FfmpegApi.Media.Progress;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Tests;

/// <summary>Small real ffmpeg runs: progress arrives, stop ends the process fast, failures keep stderr.</summary>
public sealed class FfmpegProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fa-media-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Encodes_a_generated_clip_with_progress_and_planned_argv()
    {
        var ct = TestContext.Current.CancellationToken;
        var input = Path.Combine(_dir, "in.mp4");
        (await Generate(input, 3, ct)).Succeeded.ShouldBeTrue();
        var probe = await FfmpegProcess.CaptureAsync("ffprobe", FfprobeParser.Arguments(input), TimeSpan.FromSeconds(30), ct);
        var info = FfprobeParser.Parse(probe.Stdout)!;

        var output = Path.Combine(_dir, "out.webm");
        var spec = new ConvertSpec(input, new OutputSpec(output, "webm", new VideoSpec("vp9", "ultrafast", Width: 160, Height: 120), new AudioSpec("opus")), [new TrimOperation(0.5, 2)]);
        var plan = JobPlanner.Plan(spec, info, input, output, _ => true);
        var updates = new List<ProgressUpdate>();
        int? pid = null;
        var result = await FfmpegProcess.RunAsync(new FfmpegRunOptions("ffmpeg", plan.Command.ToArguments()) { OnProgress = updates.Add, OnStarted = p => pid = p }, ct);

        result.Succeeded.ShouldBeTrue(string.Join('\n', result.StderrTail));
        pid.ShouldNotBeNull();
        plan.ExpectedDurationSeconds.ShouldBe(2);
        updates.ShouldNotBeEmpty();
        updates[^1].IsEnd.ShouldBeTrue();
        ProgressMath.Percent(updates[^1].OutTime, plan.ExpectedDurationSeconds)!.Value.ShouldBeGreaterThan(90);

        var outProbe = FfprobeParser.Parse((await FfmpegProcess.CaptureAsync("ffprobe", FfprobeParser.Arguments(output), TimeSpan.FromSeconds(30), ct)).Stdout)!;
        outProbe.FirstVideo!.CodecName.ShouldBe("vp9");
        outProbe.FirstVideo.Width.ShouldBe(160);
        outProbe.FirstAudio!.CodecName.ShouldBe("opus");
        outProbe.DurationSeconds!.Value.ShouldBe(2.0, 0.1);
    }

    [Fact]
    public async Task Stop_ends_a_long_run_within_the_grace_period()
    {
        var ct = TestContext.Current.CancellationToken;
        using var stop = new CancellationTokenSource();
        var started = new TaskCompletionSource<int>();
        var args = new[] { "-hide_banner", "-nostdin", "-y", "-nostats", "-progress", "pipe:1", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=120", "-c:v", "libx264", "-preset", "ultrafast", "-f", "null", "-" };
        var run = FfmpegProcess.RunAsync(new FfmpegRunOptions("ffmpeg", args) { OnStarted = p => started.TrySetResult(p), StopGracePeriod = TimeSpan.FromSeconds(3) }, stop.Token);
        var pid = await started.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        await Task.Delay(500, ct);

        var clock = Stopwatch.StartNew();
        await stop.CancelAsync();
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10), ct);

        result.Stopped.ShouldBeTrue();
        result.Succeeded.ShouldBeFalse();
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        Should.Throw<ArgumentException>(() => System.Diagnostics.Process.GetProcessById(pid));
    }

    [Fact]
    public async Task A_failing_run_keeps_the_stderr_tail()
    {
        var ct = TestContext.Current.CancellationToken;
        var result = await FfmpegProcess.CaptureAsync("ffmpeg", ["-hide_banner", "-nostdin", "-i", "file:" + Path.Combine(_dir, "missing.mp4"), "-f", "null", "-"], TimeSpan.FromSeconds(30), ct);
        result.Succeeded.ShouldBeFalse();
        result.ExitCode.ShouldNotBe(0);
        result.LastError.ShouldNotBeNull().ShouldContain("No such file");
    }

    private static Task<ProcessRunResult> Generate(string path, int seconds, CancellationToken ct) =>
        FfmpegProcess.CaptureAsync("ffmpeg", ["-hide_banner", "-nostdin", "-y", "-f", "lavfi", "-i", $"testsrc2=size=320x240:rate=25:duration={seconds}", "-f", "lavfi", "-i", $"sine=duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", path], TimeSpan.FromSeconds(60), ct);
}
