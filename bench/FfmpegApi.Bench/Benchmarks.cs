using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Auth;
using FfmpegApi.Core.Processing;
using FfmpegApi.Media.Process;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace FfmpegApi.Bench;

internal static class Benchmarks
{
    private const string EncodeBody = """{"input":"/storage/input/{INPUT}","output":{"path":"/storage/output/bench.mp4","video":{"codec":"h264","preset":"veryfast","crf":23},"audio":{"codec":"aac"}}}""";

    public static async Task<string> RunAllAsync(bool quick)
    {
        var dataDir = Directory.CreateTempSubdirectory("fa-bench-").FullName;
        var startLatencies = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == JobMetrics.MeterName && instrument.Name == "ffmpegapi.jobs.start_latency")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (startLatencies)
            {
                startLatencies.Add(value);
            }
        });
        listener.Start();

        var (app, key) = await StartServerAsync(dataDir, new Dictionary<string, string?>
        {
            ["Worker:Concurrency"] = "1",
            ["Webhooks:AllowHttp"] = "true",
            ["Webhooks:AllowedTargets:0"] = "127.0.0.1/32",
        });
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Add("X-API-Key", key);
            var input = Path.Combine(dataDir, "storage", "input");
            await ClipAsync(Path.Combine(input, "720p.mp4"), 10);
            await Ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64:rate=25:duration=0.2", "-c:v", "libx264", "-preset", "ultrafast", Path.Combine(input, "tiny.mp4"));

            var sseLatencies = new List<double>();
            var overhead = await OverheadBenchmarks.RunAsync(quick, sseLatencies);
            var probeSpawn = new List<double>();
            for (var i = 0; i < 10; i++)
            {
                var clock = Stopwatch.StartNew();
                await FfmpegProcess.CaptureAsync("ffprobe", ["-version"], TimeSpan.FromSeconds(10), CancellationToken.None);
                probeSpawn.Add(clock.Elapsed.TotalMilliseconds);
            }

            startLatencies.Clear();
            var shortJobs = quick ? 40 : 200;
            for (var i = 0; i < shortJobs; i++)
            {
                await RunJobAsync(http, """{"input":"/storage/input/tiny.mp4","output":{"format":"mp4","video":{"preset":"ultrafast"}}}""", null);
            }

            List<double> shortStarts;
            lock (startLatencies)
            {
                // Taken before the catalog runs, whose jobs would otherwise join the short-job sample.
                shortStarts = [.. startLatencies];
            }

            var catalog = await CatalogBenchmarks.RunAsync(http, dataDir, quick);
            catalog.AddRange(await WebhookBenchmarks.RunAsync(http, quick));
            catalog.AddRange(await QueueBenchmarks.RunAsync(quick));
            catalog.AddRange(await BackupQueueBenchmarks.RunAsync(quick));
            catalog.AddRange(await ScaleOutBenchmarks.RunAsync(quick));
            catalog.AddRange(await StorageBenchmarks.RunAsync(quick));
            catalog.AddRange(await CacheBenchmarks.RunAsync(quick));
            catalog.AddRange(await UpscaleBenchmarks.RunAsync(quick));
            return Report(overhead, Median(probeSpawn), shortStarts, sseLatencies, shortJobs, catalog);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>Submits a job and follows its SSE stream to the terminal event; returns submit → completed seconds.</summary>
    internal static async Task<double> RunJobAsync(HttpClient http, string body, List<double>? sseLatencies, string path = "/api/v1/convert")
    {
        var clock = Stopwatch.StartNew();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content);
        var created = await response.Content.ReadFromJsonAsync<JsonNode>();
        var id = created!["job"]?["id"]?.GetValue<string>() ?? throw new InvalidOperationException(created.ToJsonString());
        using var stream = await http.GetStreamAsync(new Uri($"/api/v1/jobs/{id}/events", UriKind.Relative));
        using var reader = new StreamReader(stream);
        string? eventName = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                eventName = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var received = TimeProvider.System.GetUtcNow().UtcDateTime;
                var data = JsonNode.Parse(line[6..])!;
                if (eventName == "progress" && data["stage"]?.GetValue<string>() == "processing" && data["out_time_seconds"] is not null && sseLatencies is not null)
                {
                    var observed = data["observed_at"]!.GetValue<DateTime>().ToUniversalTime();
                    sseLatencies.Add((received - observed).TotalMilliseconds);
                }

                if (eventName is "completed" or "failed" or "cancelled")
                {
                    if (eventName != "completed")
                    {
                        throw new InvalidOperationException($"job {id} ended {eventName}: {data.ToJsonString()}");
                    }

                    return clock.Elapsed.TotalSeconds;
                }
            }
        }

        throw new InvalidOperationException("event stream ended early");
    }

    private static string Report(List<string> overhead, double probeSpawnMs, List<double> start, List<double> sse, int shortJobs, List<string> catalog)
    {
        var ffmpegVersion = FfmpegProcess.CaptureAsync("ffmpeg", ["-version"], TimeSpan.FromSeconds(10), CancellationToken.None).GetAwaiter().GetResult().Stdout.Split('\n')[0];
        var sb = new StringBuilder();
        sb.AppendLine("# Benchmark results").AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Run {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores; {ffmpegVersion}.").AppendLine();
        sb.AppendLine("| measure | value | goal | met |");
        sb.AppendLine("|---|---|---|---|");
        foreach (var row in overhead)
        {
            sb.AppendLine(row);
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"| one ffprobe process spawn (`ffprobe -version`), for comparison with the job − bare differences | {probeSpawnMs:F0} ms | | |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| submit → ffmpeg started, p50 ({start.Count} of {shortJobs} short jobs, one at a time) | {Percentile(start, 50):F1} ms | < 20 ms | {(Percentile(start, 50) < 20 ? "yes" : "no")} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| submit → ffmpeg started, p95 | {Percentile(start, 95):F1} ms | | |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| ffmpeg progress line → SSE client, p50 ({sse.Count} events) | {Percentile(sse, 50):F2} ms | | |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| ffmpeg progress line → SSE client, p99 | {Percentile(sse, 99):F2} ms | < 100 ms | {(Percentile(sse, 99) < 100 ? "yes" : "no")} |");
        foreach (var row in catalog)
        {
            sb.AppendLine(row);
        }

        sb.AppendLine().AppendLine("Job wall time is measured by an HTTP client from POST to the terminal SSE event; the bare run is the same argv run directly, "
            + "alternating with the jobs after three warm-up jobs, each round on a freshly copied input (no cached probe). Read-path rows run wrk (2 threads, 16 connections) against the in-process server, rate limits off. "
            + "Start latency is the `ffmpegapi.jobs.start_latency` histogram (job row created → ffmpeg process started). "
            + "SSE latency is the client's receive time minus the `observed_at` stamp taken when the worker parsed the progress block. "
            + "Catalog rows compare jobs with each other or with bare runs in the same process and run (medians). "
            + "Webhook latency is the receiver's clock minus the event's `created_at` (the commit of the job's completion), "
            + "with the dispatcher woken in-process; the chain row includes the client's 50 ms polling, which is what a batch saves. "
            + "Queue rows run the production claim/complete code (with its outbox writes) on 4 concurrent loops, without ffmpeg; "
            + "PostgreSQL is a throwaway local server (fsync off), so its row is an upper bound for a durable server. "
            + "PostgreSQL process rows run `ffmpeg-api api` and `ffmpeg-api worker` as separate processes on that server: start latency is the worker's "
            + "`ffmpeg started` log line minus the job's `created_at` (an idle worker woken by LISTEN/NOTIFY for each job; its poll is 60 s), SSE latency "
            + "is the api process's SSE client receive time minus the worker's `observed_at`.");
        return sb.ToString();
    }

    /// <summary>An in-process server on a free loopback port with no limits or scheduled backups, and a key for it.</summary>
    internal static async Task<(WebApplication App, string Key)> StartServerAsync(string dataDir, IReadOnlyDictionary<string, string?> settings)
    {
        var config = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Storage:DataDir"] = dataDir,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Limits:RequestsPerSecond"] = "0",
            ["Limits:RequestsPerHour"] = "0",
            ["Limits:MaxActiveJobsPerTenant"] = "0",
            ["Backup:Enabled"] = "false",
        };
        foreach (var (name, value) in settings)
        {
            config[name] = value;
        }

        var app = AppHost.Build([], config);
        await AppHost.InitializeAsync(app, announceAdminKey: false, CancellationToken.None);
        await app.StartAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var key = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("bench", false, null, CancellationToken.None)).Plaintext;
        return (app, key);
    }

    internal static double Median(List<double> values) => Percentile(values, 50);

    internal static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        var rank = (p / 100) * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }

    /// <summary>A 720p x264 + AAC test clip of <paramref name="seconds"/> (the bench's source for jobs and bare runs).</summary>
    internal static Task ClipAsync(string path, int seconds) =>
        Ffmpeg("-f", "lavfi", "-i", $"testsrc2=size=1280x720:rate=25:duration={seconds}", "-f", "lavfi", "-i", $"sine=duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", path);

    internal static async Task Ffmpeg(params string[] args)
    {
        var result = await FfmpegProcess.CaptureAsync("ffmpeg", ["-hide_banner", "-nostdin", "-y", .. args], TimeSpan.FromMinutes(2), CancellationToken.None);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(result.LastError);
        }
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FfmpegApi.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
