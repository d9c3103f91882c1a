using System.Text.Json;
using FfmpegApi.Core;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Processing.Kinds;
using FfmpegApi.Core.Queue;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Analysis;
using FfmpegApi.Media.Specs;
using FfmpegApi.Media.Streaming;
using FfmpegApi.Media.Thumbnails;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// Each job kind's handler on its own, without the runner, the queue loop or HTTP: real ffmpeg on a 1-second clip, the
/// product published by the real publisher into a storage mount, and the output read back with ffprobe.
/// </summary>
public sealed class JobHandlerTests : IAsyncLifetime
{
    private readonly List<string> _workspaces = [];
    private QueueHarness _core = null!;

    public async ValueTask InitializeAsync()
    {
        _core = await QueueHarness.StartAsync(new Dictionary<string, string?>(), services => services.AddWorkers());
        ServiceCollectionExtensions.EnsureDataLayout(_core.Services);
        await TestMedia.GenerateAsync(Physical("/storage/input/clip.mp4"), 1);
    }

    public async ValueTask DisposeAsync()
    {
        await _core.DisposeAsync();
        foreach (var workspace in _workspaces)
        {
            Directory.Delete(workspace, recursive: true);
        }
    }

    /// <summary>Every kind the stored format knows (the <c>[JsonDerivedType]</c> list of <see cref="JobSpec"/>).</summary>
    public static TheoryData<string> Kinds => [.. typeof(JobSpec).GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonDerivedTypeAttribute), false)
        .Cast<System.Text.Json.Serialization.JsonDerivedTypeAttribute>().Select(a => (string)a.TypeDiscriminator!)];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_is_run_by_exactly_one_handler_and_reads_back_as_itself(string kind)
    {
        var spec = Spec(kind);
        spec.Kind.ShouldBe(kind);
        var handlers = _core.Services.GetServices<IJobHandler>().Where(h => h.Kind == spec.GetType()).ToList();
        handlers.Count.ShouldBe(1, $"{kind}: {string.Join(", ", handlers.Select(h => h.GetType().Name))}");

        var stored = JobDocuments.WriteSpec(spec);
        stored.ShouldStartWith($$"""{"kind":"{{kind}}",""");
        var read = JobDocuments.ReadSpec(stored);
        read.GetType().ShouldBe(spec.GetType());
        read.Output.ShouldBe(spec.Output);
    }

    [Fact]
    public async Task Convert_writes_the_encoding_asked_for_and_reports_progress()
    {
        var (published, run, progress) = await RunAsync<ConvertHandler>(Spec("convert"));

        var info = await TestMedia.ProbeAsync(Physical(published.Metadata.Path));
        info.FirstVideo!.CodecName.ShouldBe("h264");
        (info.FirstVideo.Width, info.FirstVideo.Height).ShouldBe((160, 120));
        info.FirstAudio!.CodecName.ShouldBe("aac");
        info.DurationSeconds!.Value.ShouldBe(1, 0.1);
        published.ResultJson.ShouldBeNull("one output, no quality target: no result document");
        // ffmpeg's own progress reached the run (the percentage needs the probe beside ffmpeg, which a 1-s clip may outrun).
        progress.ShouldContain(p => p.Stage == "processing" && p.OutTimeSeconds > 0);
        run.Context.Log.Snapshot().ShouldContain(l => l.Contains("hardware: software", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Convert_fails_an_unreadable_input_with_the_probe_reason()
    {
        var garbage = Physical("/storage/input/garbage.mp4");
        await File.WriteAllBytesAsync(garbage, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))]);
        var spec = (ConvertSpec)Spec("convert") with { Input = "/storage/input/garbage.mp4" };

        var (run, _) = await NewRunAsync(spec);
        var failure = await Should.ThrowAsync<Exception>(() => RunHandlerAsync<ConvertHandler>(run, spec));

        // The probe beside ffmpeg stops the run (a cancellation) or its reason surfaces first: either way, its code.
        var code = failure is JobFailure f ? f.Code : run.Rejection?.Code;
        code.ShouldBe("INVALID_INPUT", failure.ToString());
    }

    [Fact]
    public async Task Thumbnails_at_an_interval_are_published_as_a_set()
    {
        var (published, _, _) = await RunAsync<ThumbnailsHandler>(Spec("thumbnails"));

        var result = JsonSerializer.Deserialize<ThumbnailResult>(published.ResultJson!, JsonDefaults.Options)!;
        result.Images.Count.ShouldBe(2);
        foreach (var image in result.Images)
        {
            (await TestMedia.ImageAsync(Physical(image.Path))).ShouldBe(("mjpeg", 160, 120));
        }

        published.Metadata.SizeBytes.ShouldBe(result.Images.Sum(i => new FileInfo(Physical(i.Path)).Length));
    }

    [Fact]
    public async Task One_thumbnail_to_a_file_is_published_as_that_file()
    {
        var spec = new ThumbnailsSpec("/storage/input/clip.mp4", new OutputSpec(Unique("poster.png"), "png", null, null), new ThumbnailSpec(ThumbnailMode.One, Time: 0.5, Format: "png") { ToFile = true });

        var (published, _, _) = await RunAsync<ThumbnailsHandler>(spec);

        published.Metadata.Path.ShouldBe(spec.Output.Path);
        (await TestMedia.ImageAsync(Physical(spec.Output.Path))).ShouldBe(("png", 320, 240));
        (published.Metadata.Width, published.Metadata.Height).ShouldBe((320, 240));
    }

    [Fact]
    public async Task Stream_packages_the_ladder_and_every_playlist_it_names()
    {
        var (published, _, _) = await RunAsync<StreamHandler>(Spec("stream"));

        var result = JsonSerializer.Deserialize<StreamingResult>(published.ResultJson!, JsonDefaults.Options)!;
        result.Variants.Select(r => r.Height).ShouldBe([240, 120]);
        var master = await File.ReadAllTextAsync(Physical(published.Metadata.Path));
        foreach (var rendition in result.Variants)
        {
            master.ShouldContain($"v{rendition.Name}/index.m3u8");
            var info = await TestMedia.ProbeAsync(Physical(rendition.Playlist!));
            info.FirstVideo!.Height.ShouldBe(rendition.Height);
        }
    }

    [Fact]
    public async Task Analysis_of_a_file_against_itself_scores_it_identical()
    {
        var (published, _, _) = await RunAsync<AnalysisHandler>(Spec(AnalyzeSpec.Name));

        var stored = JsonSerializer.Deserialize<AnalysisResult>(published.ResultJson!, JsonDefaults.Options)!;
        stored.Metrics["ssim"].Mean.ShouldBe(1, 0.001);
        stored.Metrics["ssim"].Frames.ShouldBe(25);
        var report = JsonSerializer.Deserialize<AnalysisResult>(await File.ReadAllTextAsync(Physical(published.Metadata.Path)), JsonDefaults.Options)!;
        report.PerFrame!["ssim"].Count.ShouldBe(25, "the report file keeps the per-frame series the stored summary leaves out");
    }

    private static JobSpec Spec(string kind) => kind switch
    {
        ConvertSpec.Name => new ConvertSpec("/storage/input/clip.mp4", new OutputSpec(Unique("out.mp4"), "mp4", new VideoSpec("h264", "ultrafast", 30, null, 160, 120), new AudioSpec("aac")), []),
        StreamSpec.Name => new StreamSpec("/storage/input/clip.mp4", new OutputSpec(Unique("master.m3u8"), "hls", null, null), new StreamingSpec(StreamingFormat.Hls, [new RenditionRequest(240, 300_000), new RenditionRequest(120, 150_000)], 1)),
        ThumbnailsSpec.Name => new ThumbnailsSpec("/storage/input/clip.mp4", new OutputSpec(Unique("thumb_0001.jpg"), "jpg", null, null), new ThumbnailSpec(ThumbnailMode.Interval, Interval: 0.5, Width: 160)),
        AnalyzeSpec.Name => new AnalyzeSpec("/storage/input/clip.mp4", new OutputSpec(Unique("report.json"), "json", null, null), new AnalysisSpec("/storage/input/clip.mp4", ["ssim"], PerFrame: true)),
        _ => throw new ArgumentException($"No sample spec for the kind '{kind}': add one here.", nameof(kind)),
    };

    private static string Unique(string name) => $"/storage/output/{Guid.NewGuid():N}/{name}";

    private string Physical(string virtualPath)
    {
        _core.Services.GetRequiredService<StorageMounts>().TryResolve(virtualPath, out var resolved, out var error).ShouldBeTrue(error);
        return resolved!.PhysicalPath;
    }

    private async Task<(PublishedOutput Published, JobRun Run, List<JobProgress> Progress)> RunAsync<THandler>(JobSpec spec)
        where THandler : IJobHandler
    {
        var (run, progress) = await NewRunAsync(spec);
        var product = await RunHandlerAsync<THandler>(run, spec);
        var published = await product.PublishAsync(_core.Services.GetRequiredService<OutputPublisher>(), run.Token);
        return (published, run, progress);
    }

    private async Task<JobProduct> RunHandlerAsync<THandler>(JobRun run, JobSpec spec)
        where THandler : IJobHandler
    {
        var inputs = _core.Services.GetRequiredService<InputResolver>();
        IJobHandler handler = _core.Services.GetServices<IJobHandler>().OfType<THandler>().Single();
        var input = await inputs.ResolveInputAsync(run, spec.Input, run.Token);
        return await handler.RunAsync(run, spec, input, inputs.ResolveOutput(spec.Output.Path, run.Workspace), run.Token);
    }

    private async Task<(JobRun Run, List<JobProgress> Progress)> NewRunAsync(JobSpec spec)
    {
        var id = Guid.NewGuid().ToString("N");
        var job = new Job { Id = id, TenantId = "t", ApiKeyId = "k", SpecJson = JsonSerializer.Serialize(spec, JsonDefaults.Options), OutputPath = spec.Output.Path, CreatedAt = TimeProvider.System.GetUtcNow().UtcDateTime };
        var workspace = Directory.CreateTempSubdirectory("fa-handler-").FullName;
        _workspaces.Add(workspace);
        var formats = (await _core.Services.GetRequiredService<FfmpegTools>().GetInputCapabilitiesAsync()).InputFormatWhitelist;
        var progress = new List<JobProgress>();
        var context = new RunContext(TestContext.Current.CancellationToken);
        var run = new JobRun(job, "handler-test", context, workspace, formats, text => text, TimeProvider.System, p =>
        {
            lock (progress)
            {
                progress.Add(p);
            }
        });
        return (run, progress);
    }
}
