using System.Diagnostics;
using System.Globalization;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Upscaling;
using FfmpegApi.Tests.Upscaling;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Bench;

/// <summary>
/// AI upscaling with the tests' tiny 2x model on the CPU: the model alone (frames/s, in process), a whole upscale job
/// against bare ffmpeg doing the same decode + 2x scale + encode, and how much of decode, inference and encode overlap
/// (job time ÷ (bare ffmpeg + inference alone): below 1 means the stages ran at the same time). A realistic model on a
/// GPU is measured only where a GPU machine is lent (not here).
/// </summary>
internal static class UpscaleBenchmarks
{
    public static async Task<List<string>> RunAsync(bool quick)
    {
        var dataDir = Directory.CreateTempSubdirectory("fa-bench-upscale-").FullName;
        var model = Path.Combine(dataDir, "tiny2.onnx");
        await File.WriteAllBytesAsync(model, TinyUpscaler.Create(2).ToOnnx());
        var (width, height, seconds) = (320, 240, quick ? 4 : 10);
        var frames = seconds * 25;
        var inference = MeasureInference(model, width, height, frames);

        var (app, key) = await Benchmarks.StartServerAsync(dataDir, new Dictionary<string, string?>
        {
            ["Worker:Concurrency"] = "1",
            ["Upscale:Models:tiny2:Path"] = model,
            ["Upscale:Models:tiny2:Scale"] = "2",
        });
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Add("X-API-Key", key);
            var input = Path.Combine(dataDir, "storage", "input", "clip.mp4");
            await Benchmarks.Ffmpeg("-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate=25:duration={seconds}", "-f", "lavfi", "-i", $"sine=duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", input);
            const string Body = """{"input":"/storage/input/clip.mp4","output":{"path":"/storage/output/up.mp4","video":{"codec":"h264","preset":"veryfast","crf":23},"audio":{"codec":"aac"}},"operations":[{"type":"upscale","model":"tiny2"}]}""";
            var (bare, job) = (new List<double>(), new List<double>());
            await Benchmarks.RunJobAsync(http, Body, null);
            for (var i = 0; i < (quick ? 2 : 3); i++)
            {
                var clock = Stopwatch.StartNew();
                await Benchmarks.Ffmpeg("-i", input, "-vf", "scale=iw*2:ih*2:flags=lanczos", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-c:a", "aac", Path.Combine(dataDir, "bare.mp4"));
                bare.Add(clock.Elapsed.TotalSeconds);
                job.Add(await Benchmarks.RunJobAsync(http, Body, null));
            }

            var (b, j) = (Benchmarks.Median(bare), Benchmarks.Median(job));
            return
            [
                string.Create(CultureInfo.InvariantCulture, $"| Upscale: tiny 2x model alone, CPU, {width}x{height} → {width * 2}x{height * 2} (frames/s) | {frames / inference:F1} | {frames} frames in {inference:F2} s, tiles and batching as configured by default |"),
                string.Create(CultureInfo.InvariantCulture, $"| Upscale job ÷ bare ffmpeg decode + lanczos 2x + encode ({seconds} s clip) | {j / b:F2} | {j:F2} vs {b:F2} s (median of {bare.Count}) |"),
                string.Create(CultureInfo.InvariantCulture, $"| Upscale pipeline overlap: job ÷ (bare ffmpeg + model alone) | {j / (b + inference):F2} | below 1: decode, inference and encode ran at the same time |"),
            ];
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>Seconds to upscale <paramref name="frames"/> frames in process (no ffmpeg), with the service's defaults.</summary>
    private static double MeasureInference(string model, int width, int height, int frames)
    {
        var options = new UpscaleOptions { Models = { ["tiny2"] = new UpscaleModelOptions { Path = model, Scale = 2 } } };
        using var models = new UpscaleModels(Options.Create(options), Options.Create(new WorkerOptions { Concurrency = 1 }), NullLogger<UpscaleModels>.Instance);
        var upscaler = new FrameUpscaler(models.Get("tiny2").Model!, width, height, options.TileSize, options.TileOverlap, options.BatchSize);
        var source = new byte[width * height * 3];
        new Random(1).NextBytes(source);
        var perCall = Math.Max(1, options.BatchSize / upscaler.TilesPerFrame);
        var inputs = Enumerable.Repeat(source, perCall).ToList();
        var outputs = inputs.Select(_ => new byte[width * height * 12]).ToList();
        upscaler.Upscale(inputs, outputs);
        var clock = Stopwatch.StartNew();
        for (var done = 0; done < frames; done += perCall)
        {
            upscaler.Upscale(inputs, outputs);
        }

        return clock.Elapsed.TotalSeconds;
    }
}
