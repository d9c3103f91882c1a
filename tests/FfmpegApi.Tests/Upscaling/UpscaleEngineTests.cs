using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Upscaling;
using FfmpegApi.Media.Specs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Tests.Upscaling;

/// <summary>The model side without ffmpeg: tiling, loading checks and pixel values against the known weights.</summary>
public sealed class UpscaleEngineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("upscale-engine-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(100, 32, 4)]
    [InlineData(64, 32, 4)]
    [InlineData(33, 32, 8)]
    [InlineData(1000, 256, 16)]
    [InlineData(17, 5, 4)]
    [InlineData(10, 64, 16)]
    public void Tile_cores_cover_the_axis_once_with_context_inside(int length, int tile, int overlap)
    {
        var spans = TileGrid.Axis(length, tile, overlap);
        spans[0].CoreStart.ShouldBe(0);
        spans[^1].CoreEnd.ShouldBe(length);
        var effective = Math.Min(overlap, (tile - 1) / 2);
        for (var i = 0; i < spans.Count; i++)
        {
            var s = spans[i];
            s.CoreEnd.ShouldBeGreaterThan(s.CoreStart);
            if (i > 0)
            {
                s.CoreStart.ShouldBe(spans[i - 1].CoreEnd);
            }

            if (tile < length)
            {
                s.Start.ShouldBeGreaterThanOrEqualTo(0);
                (s.Start + tile).ShouldBeLessThanOrEqualTo(length);
                (s.CoreStart == 0 || s.CoreStart - s.Start >= effective).ShouldBeTrue($"tile {i} has too little context before its core");
                (s.CoreEnd == length || s.Start + tile - s.CoreEnd >= effective).ShouldBeTrue($"tile {i} has too little context after its core");
            }
        }
    }

    [Theory]
    [InlineData(2, 40, 30, 16, 4, 3, 1)]
    [InlineData(4, 37, 23, 16, 2, 4, 1)]
    [InlineData(2, 20, 12, 256, 16, 4, 1)]
    [InlineData(2, 37, 23, 18, 3, 2, 4)]
    [InlineData(2, 21, 13, 512, 16, 4, 8)]
    public void Tiled_batched_output_matches_the_weights(int scale, int width, int height, int tileSize, int overlap, int batch, int multiple)
    {
        var tiny = TinyUpscaler.Create(scale);
        using var models = Models(("tiny", tiny, scale));
        models.Options.Models["tiny"].SizeMultiple = multiple;
        var (model, problem) = models.Get("tiny");
        problem.ShouldBeNull();
        var frames = Enumerable.Range(0, 3).Select(seed => RandomFrame(width, height, seed)).ToList();
        var outputs = frames.Select(_ => new byte[width * scale * height * scale * 3]).ToList();
        var upscaler = new FrameUpscaler(model!, width, height, tileSize, overlap, batch);
        upscaler.Upscale(frames, outputs);
        for (var f = 0; f < frames.Count; f++)
        {
            var expected = tiny.Expected(frames[f], width, height);

            // A padded tile repeats the edge where the weights' reference sees zeros: skip the last source column and row then.
            var (ow, keepW, keepH) = (width * scale, multiple > 1 ? (width - 1) * scale : width * scale, multiple > 1 ? (height - 1) * scale : height * scale);
            var worst = Enumerable.Range(0, expected.Length).Where(i => (i / 3 % ow) < keepW && (i / 3 / ow) < keepH).Max(i => Math.Abs(expected[i] - outputs[f][i]));
            worst.ShouldBeLessThanOrEqualTo(1, $"frame {f}: float rounding may differ by one step, no more");
        }
    }

    [Fact]
    public void A_broken_or_mislabelled_model_is_refused_with_the_reason()
    {
        File.WriteAllText(Path.Combine(_dir, "garbage.onnx"), "this is not a model");
        using var models = Models(("tiny", TinyUpscaler.Create(2), 4));
        models.Options.Models["garbage"] = new UpscaleModelOptions { Path = Path.Combine(_dir, "garbage.onnx"), Scale = 2 };
        models.Options.Models["absent"] = new UpscaleModelOptions { Path = Path.Combine(_dir, "absent.onnx"), Scale = 2 };

        models.Get("tiny").Problem.ShouldNotBeNull().ShouldContain("a 4x upscaler returns");
        models.Get("garbage").Problem.ShouldNotBeNull().ShouldContain("not a loadable ONNX model");
        models.Get("absent").Problem.ShouldNotBeNull().ShouldContain("does not exist");
        models.Resolve("nope", null).Problem.ShouldNotBeNull().ShouldContain("unknown model 'nope'");
        models.Resolve("garbage", 4).Problem.ShouldNotBeNull().ShouldContain("upscales 2x, not 4x");
        models.WorkerCapabilities().ShouldBe(WorkerCapability.None);
        models.Statuses().Single(s => s.Name == "garbage").Available.ShouldBeFalse();
    }

    [Fact]
    public void Default_model_and_scale_are_resolved_and_routed()
    {
        using var models = Models(("a2", TinyUpscaler.Create(2), 2), ("b4", TinyUpscaler.Create(4), 4));
        models.Resolve(null, null).ShouldBe(("b4", 4, null));
        models.Resolve(null, 2).ShouldBe(("a2", 2, null));
        models.Resolve("A2", null).ShouldBe(("a2", 2, null));
        models.Resolve(null, 3).Problem.ShouldNotBeNull().ShouldContain("no configured model upscales 3x (models: a2 (2x), b4 (4x))");
        models.WorkerCapabilities().ShouldBe(WorkerCapability.Upscale);
        models.ExecutionProvider.ShouldBe("cpu");
        models.GpuUnavailableReason.ShouldNotBeNull();

        var spec = new ConvertSpec("/storage/in.mp4", new OutputSpec("/storage/out.mp4", "mp4", new VideoSpec("h264"), null), [new UpscaleOperation(2, "a2", UpscaleDevice.Gpu)]);
        JobRequirements.Needs(spec).ShouldBe(WorkerCapability.Upscale | WorkerCapability.UpscaleGpu);
        JobRequirements.Needs(spec with { Operations = [new UpscaleOperation(2, "a2")] }).ShouldBe(WorkerCapability.Upscale);
    }

    [Theory]
    [InlineData("tensorrt", 256, 16, "ExecutionProvider")]
    [InlineData("cpu", 32, 16, "TileOverlap")]
    public void Bad_settings_are_named(string provider, int tile, int overlap, string named)
    {
        new UpscaleOptions { ExecutionProvider = provider, TileSize = tile, TileOverlap = overlap }.Problem().ShouldNotBeNull().ShouldContain(named);
        new UpscaleOptions { DefaultModel = "x" }.Problem().ShouldNotBeNull().ShouldContain("DefaultModel");
    }

    private UpscaleModels Models(params (string Name, TinyUpscaler Model, int Scale)[] registered)
    {
        var options = new UpscaleOptions { ExecutionProvider = "auto", Threads = 1 };
        foreach (var (name, model, scale) in registered)
        {
            var path = Path.Combine(_dir, name + ".onnx");
            File.WriteAllBytes(path, model.ToOnnx());
            options.Models[name] = new UpscaleModelOptions { Path = path, Scale = scale };
        }

        return new UpscaleModels(Options.Create(options), Options.Create(new WorkerOptions()), NullLogger<UpscaleModels>.Instance);
    }

    private static byte[] RandomFrame(int width, int height, int seed)
    {
        var frame = new byte[width * height * 3];
        new Random(seed).NextBytes(frame);
        return frame;
    }
}
