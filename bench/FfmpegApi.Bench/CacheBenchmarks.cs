using System.Diagnostics;
using System.Globalization;
using System.Text;
using FfmpegApi.Core.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace FfmpegApi.Bench;

/// <summary>
/// The effect of the caches (API keys, ffprobe results, ffmpeg capabilities) on request latency: the same requests
/// against a server with the caches on (defaults) and one with all three off, in the same run. Reported as p50 with
/// and without, and the ratio.
/// </summary>
internal static class CacheBenchmarks
{
    public static async Task<List<string>> RunAsync(bool quick)
    {
        var on = await MeasureAsync(cached: true, quick);
        var off = await MeasureAsync(cached: false, quick);
        return
        [
            .. on.Select(m =>
            {
                var without = off.Single(o => o.Name == m.Name).P50;
                return string.Create(CultureInfo.InvariantCulture, $"| {m.Name}: p50 without caches ÷ with (SQLite) | {without / m.P50:F2} | {without:F2} vs {m.P50:F2} ms |");
            }),
        ];
    }

    private static async Task<List<(string Name, double P50)>> MeasureAsync(bool cached, bool quick)
    {
        var dataDir = Directory.CreateTempSubdirectory("fa-bench-cache-").FullName;
        var settings = new Dictionary<string, string?> { ["Worker:Enabled"] = "false" };
        if (!cached)
        {
            settings["Keys:CacheSeconds"] = "0";
            settings["Cache:ProbeSeconds"] = "0";
            settings["Cache:CapabilitiesSeconds"] = "0";
        }

        var (app, key) = await Benchmarks.StartServerAsync(dataDir, settings);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            http.DefaultRequestHeaders.Add("X-API-Key", key);
            await Benchmarks.Ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=5", "-f", "lavfi", "-i", "sine=duration=5", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", Path.Combine(dataDir, "storage", "input", "in.mp4"));
            const string Submit = """{"input":"/storage/input/in.mp4","output":{"format":"mp4","video":{"codec":"h264"}}}""";
            var id = (await PostAsync(http, "/api/v1/convert", Submit)).Split("\"id\":\"")[1].Split('"')[0];
            var rounds = quick ? 40 : 200;
            return
            [
                ("GET /jobs/{id}", await TimeAsync(rounds, () => http.GetStringAsync(new Uri($"/api/v1/jobs/{id}", UriKind.Relative)))),
                ("POST /convert (submit)", await TimeAsync(rounds, () => PostAsync(http, "/api/v1/convert", Submit))),
                ("POST /estimate (ffprobe)", await TimeAsync(rounds / 4, () => PostAsync(http, "/api/v1/estimate", Submit))),
                ("GET /capabilities", await TimeAsync(quick ? 5 : 20, () => http.GetStringAsync(new Uri("/api/v1/capabilities", UriKind.Relative)))),
            ];
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<string> PostAsync(HttpClient http, string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {body}");
    }

    private static async Task<double> TimeAsync(int rounds, Func<Task> request)
    {
        for (var i = 0; i < 3; i++)
        {
            await request(); // warm-up: JIT and the first fill of each cache
        }

        var samples = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            var clock = Stopwatch.StartNew();
            await request();
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }

        return Benchmarks.Median(samples);
    }
}
