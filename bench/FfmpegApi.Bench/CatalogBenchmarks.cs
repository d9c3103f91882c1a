using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FfmpegApi.Media.Process;

namespace FfmpegApi.Bench;

/// <summary>
/// Processing-catalog measures, each a ratio within one run: several outputs from one decode against the same
/// outputs as separate jobs, libvmaf with the worker's threads against one thread, two-pass against one pass.
/// </summary>
internal static class CatalogBenchmarks
{
    public static async Task<List<string>> RunAsync(HttpClient http, string dataDir, bool quick)
    {
        var rows = new List<string>();
        var rounds = quick ? 1 : 3;
        const string Input = "/storage/input/720p.mp4";
        string[] outputs =
        [
            """{"format":"mp4","video":{"codec":"h264","preset":"veryfast","resolution":"1280x720"},"audio":{"codec":"aac"}}""",
            """{"format":"mp4","video":{"codec":"h264","preset":"veryfast","resolution":"640x360"},"audio":{"codec":"aac"}}""",
            """{"format":"mp3"}""",
        ];

        var together = new List<double>();
        var separate = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            together.Add(await TimeJobAsync(http, "/api/v1/convert", $$"""{"input":"{{Input}}","outputs":[{{string.Join(',', outputs)}}]}"""));
            var clock = Stopwatch.StartNew();
            foreach (var output in outputs)
            {
                await TimeJobAsync(http, "/api/v1/convert", $$"""{"input":"{{Input}}","output":{{output}}}""");
            }

            separate.Add(clock.Elapsed.TotalSeconds);
        }

        var (t, s) = (Benchmarks.Median(together), Benchmarks.Median(separate));
        rows.Add(Row($"3 outputs (720p, 360p x264 veryfast + mp3) in one job ÷ as 3 jobs (medians {t:F2} s / {s:F2} s)", t / s, "< 1 (one decode)", t / s < 1));

        var vmaf = Path.Combine(Benchmarks.RepoRoot(), ".tools", "vmaf", "ffmpeg");
        if (File.Exists(vmaf))
        {
            var model = Path.Combine(Benchmarks.RepoRoot(), "assets", "vmaf", "vmaf_v0.6.1.pkl");
            var file = Path.Combine(dataDir, "storage", "input", "720p.mp4");
            var oneThread = new List<double>();
            var job = new List<double>();
            for (var i = 0; i < rounds; i++)
            {
                var clock = Stopwatch.StartNew();
                var result = await FfmpegProcess.CaptureAsync(vmaf, ["-hide_banner", "-nostdin", "-i", file, "-i", file, "-lavfi", $"[0:v][1:v]libvmaf=model_path={model}:n_threads=1", "-f", "null", "-"], TimeSpan.FromMinutes(5), CancellationToken.None);
                oneThread.Add(clock.Elapsed.TotalSeconds);
                if (!result.Succeeded)
                {
                    throw new InvalidOperationException("libvmaf failed: " + result.LastError);
                }

                job.Add(await TimeJobAsync(http, "/api/v1/analyze", $$"""{"input":"{{Input}}","reference":"{{Input}}","metrics":["vmaf"]}"""));
            }

            var (j, o) = (Benchmarks.Median(job), Benchmarks.Median(oneThread));
            rows.Add(Row($"VMAF analysis job (n_threads = {Environment.ProcessorCount} cores ÷ 1 worker) ÷ bare libvmaf with n_threads=1, 10 s 720p (medians {j:F2} s / {o:F2} s)", j / o, "< 1 (multi-threaded)", j / o < 1));
        }

        var onePass = new List<double>();
        var twoPass = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            const string Bitrate = """{"input":"/storage/input/720p.mp4","output":{"format":"mp4","video":{"codec":"h264","preset":"veryfast","bitrate":"2M"TWO}}}""";
            onePass.Add(await TimeJobAsync(http, "/api/v1/convert", Bitrate.Replace("TWO", string.Empty, StringComparison.Ordinal)));
            twoPass.Add(await TimeJobAsync(http, "/api/v1/convert", Bitrate.Replace("TWO", ",\"two_pass\":true", StringComparison.Ordinal)));
        }

        var (two, one) = (Benchmarks.Median(twoPass), Benchmarks.Median(onePass));
        rows.Add(Row($"two-pass 2 Mbit/s job ÷ one-pass job, 10 s 720p x264 veryfast (medians {two:F2} s / {one:F2} s)", two / one, "(cost of the analysis pass)", null));
        return rows;
    }

    private static string Row(string measure, double value, string goal, bool? met) =>
        string.Create(CultureInfo.InvariantCulture, $"| {measure} | {value:F3} | {goal} | {(met is null ? string.Empty : met.Value ? "yes" : "no")} |");

    /// <summary>Submits a job and polls it to completion; returns submit → completed seconds.</summary>
    private static async Task<double> TimeJobAsync(HttpClient http, string path, string body)
    {
        var clock = Stopwatch.StartNew();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content);
        var created = await response.Content.ReadFromJsonAsync<JsonNode>();
        var id = created!["job"]?["id"]?.GetValue<string>() ?? throw new InvalidOperationException(created.ToJsonString());
        while (true)
        {
            var job = await http.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}", UriKind.Relative));
            var status = job!["status"]!.GetValue<string>();
            if (status == "completed")
            {
                return clock.Elapsed.TotalSeconds;
            }

            if (status is "failed" or "cancelled")
            {
                throw new InvalidOperationException($"job {id} ended {status}: {job.ToJsonString()}");
            }

            await Task.Delay(50);
        }
    }
}
