using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Process;
using Npgsql;

namespace FfmpegApi.Bench;

/// <summary>
/// What the service costs next to ffmpeg (issue #28), on SQLite and, where the bench has a server, PostgreSQL: a poster
/// frame, a 10-s and a 60-s encode as jobs ÷ the same ffmpeg run bare (alternating, after a warm-up, medians of the
/// rounds; every round reads a freshly copied input, as an upload would be), and the job read path under wrk.
/// </summary>
internal static class OverheadBenchmarks
{
    private const string EncodeBody = """{"input":"/storage/input/{INPUT}","output":{"path":"/storage/output/{OUTPUT}.mp4","video":{"codec":"h264","preset":"veryfast","crf":23},"audio":{"codec":"aac"}}}""";
    private const string ThumbnailBody = """{"input":"/storage/input/{INPUT}","mode":"single","time":1}""";

    public static async Task<List<string>> RunAsync(bool quick, List<double>? sseLatencies = null)
    {
        var rows = new List<string>();
        rows.AddRange(await OnProviderAsync("SQLite", [], quick, sseLatencies));
        if (Environment.GetEnvironmentVariable("FFMPEG_API_BENCH_POSTGRES") is { Length: > 0 } server)
        {
            var name = "fa_bench_" + Guid.NewGuid().ToString("N");
            await using (var admin = new NpgsqlConnection(server))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
                await create.ExecuteNonQueryAsync();
            }

            rows.AddRange(await OnProviderAsync("PostgreSQL", new()
            {
                ["Database:Provider"] = "postgres",
                ["Database:ConnectionString"] = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString,
            }, quick, null));
        }

        return rows;
    }

    private static async Task<List<string>> OnProviderAsync(string provider, Dictionary<string, string?> settings, bool quick, List<double>? sseLatencies)
    {
        var rounds = quick ? 3 : 10;
        var dataDir = Directory.CreateTempSubdirectory("fa-bench-overhead-").FullName;
        settings["Worker:Concurrency"] = "1";
        var (app, key) = await Benchmarks.StartServerAsync(dataDir, settings);
        var rows = new List<string>();
        try
        {
            var baseUrl = app.Urls.First();
            using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Add("X-API-Key", key);
            var input = Path.Combine(dataDir, "storage", "input");
            await Benchmarks.ClipAsync(Path.Combine(input, "2s.mp4"), 2);
            await Benchmarks.ClipAsync(Path.Combine(input, "10s.mp4"), 10);

            var thumb = await MeasureAsync(http, dataDir, "2s.mp4", "/api/v1/thumbnails", ThumbnailBody, ThumbnailArgs, rounds, null);
            rows.Add(Row($"{provider}: poster frame job (`POST /thumbnails`, time 1, 2-s 720p clip) ÷ the same ffmpeg argv run bare (median of {rounds} paired rounds; medians {thumb.Job:F3} s / {thumb.Bare:F3} s; {thumb.Spread})", thumb.Ratio, "≤ 1.3"));
            var ten = await MeasureAsync(http, dataDir, "10s.mp4", "/api/v1/convert", EncodeBody, EncodeArgs, rounds, sseLatencies);
            rows.Add(Row($"{provider}: 10-s 720p x264 veryfast + aac job ÷ bare (median of {rounds} paired rounds; medians {ten.Job:F2} s / {ten.Bare:F2} s; {ten.Spread})", ten.Ratio, "≤ 1.03"));
            rows.Add(CpuRow(provider, "10-s", ten));
            if (!quick)
            {
                await Benchmarks.ClipAsync(Path.Combine(input, "60s.mp4"), 60);
                var sixty = await MeasureAsync(http, dataDir, "60s.mp4", "/api/v1/convert", EncodeBody, EncodeArgs, rounds, sseLatencies);
                rows.Add(Row($"{provider}: the same, 60-s 720p (median of {rounds} paired rounds; medians {sixty.Job:F2} s / {sixty.Bare:F2} s; {sixty.Spread})", sixty.Ratio, "≤ 1.01"));
                rows.Add(CpuRow(provider, "60-s", sixty));
            }

            rows.AddRange(await ReadPathAsync(http, baseUrl, key, provider, quick));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }

        return rows;
    }

    // The argv the job runs (its log shows it), with the bench's paths: the comparison is the service, not the command.
    private static string[] EncodeArgs(string input, string output) =>
    [
        "-hide_banner", "-nostdin", "-y", "-nostats", "-progress", "pipe:1", "-protocol_whitelist", "file,pipe", "-format_whitelist", DemuxerPolicy.Fallback,
        "-i", "file:" + input, "-map", "0:V:0?", "-map", "0:a:0?", "-sn", "-dn", "-af", "aformat=channel_layouts=mono|stereo|3.0|4.0|5.0|5.1|7.1",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
        "-movflags", "+faststart", "-f", "mp4", "file:" + output + ".mp4",
    ];

    private static string[] ThumbnailArgs(string input, string output) =>
    [
        "-hide_banner", "-nostdin", "-y", "-nostats", "-progress", "pipe:1", "-ss", "1", "-protocol_whitelist", "file,pipe", "-format_whitelist", DemuxerPolicy.Fallback,
        "-i", "file:" + input, "-map", "0:V:0?", "-an", "-sn", "-dn", "-vf", "scale=1280:720:flags=lanczos,setsar=1", "-fps_mode", "vfr", "-frames:v", "1",
        "-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p", "-f", "image2", "-start_number", "1", "file:" + output + "_%04d.jpg",
    ];

    /// <summary>What one comparison measured: medians in seconds, and the median with the quartiles of the per-round ratios.</summary>
    private sealed record Measured(double Bare, double Job, double Ratio, double RatioLow, double RatioHigh, double ServerCpuMs, double DatabaseCpuMs)
    {
        public string Spread => string.Create(CultureInfo.InvariantCulture, $"per-round ratios' quartiles {RatioLow:F3}–{RatioHigh:F3}");
    }

    /// <summary>
    /// Three warm-up jobs, then rounds of one bare ffmpeg run and one job, paired: the order alternates (bare first in
    /// even rounds, the job first in odd ones), each reads a fresh copy of the input (a new file, as an upload is: no
    /// cached probe), and the row's ratio is the median of the rounds' job ÷ bare, so a drift of the machine's speed
    /// between rounds (it is shared) cancels within each pair instead of landing on one side.
    /// </summary>
    private static async Task<Measured> MeasureAsync(HttpClient http, string dataDir, string inputName, string path, string bodyTemplate, Func<string, string, string[]> bareArgs, int rounds, List<double>? sseLatencies)
    {
        var inputs = Path.Combine(dataDir, "storage", "input");
        var n = 0;
        string Fresh()
        {
            var name = $"{Path.GetFileNameWithoutExtension(inputName)}-{++n}{Path.GetExtension(inputName)}";
            File.Copy(Path.Combine(inputs, inputName), Path.Combine(inputs, name));
            return name;
        }

        string Body(string name) => bodyTemplate.Replace("{INPUT}", name, StringComparison.Ordinal).Replace("{OUTPUT}", Guid.NewGuid().ToString("N"), StringComparison.Ordinal);

        for (var i = 0; i < 3; i++)
        {
            await Benchmarks.RunJobAsync(http, Body(Fresh()), null, path);
        }

        var bare = new List<double>();
        var job = new List<double>();
        var ratios = new List<double>();
        var cpu = new List<double>();
        var database = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            async Task<double> Bare()
            {
                var copy = Path.Combine(inputs, Fresh());
                var clock = Stopwatch.StartNew();
                var result = await FfmpegProcess.RunAsync(new FfmpegRunOptions("ffmpeg", bareArgs(copy, Path.Combine(dataDir, "bare-" + i))) { OnProgress = _ => { } }, CancellationToken.None);
                return result.Succeeded ? clock.Elapsed.TotalSeconds : throw new InvalidOperationException("bare ffmpeg failed: " + result.LastError);
            }

            async Task<double> Job()
            {
                var name = Fresh();
                var (before, databaseBefore) = (ProcessCpuMs(), PostgresCpuMs());
                var seconds = await Benchmarks.RunJobAsync(http, Body(name), sseLatencies, path);
                cpu.Add(ProcessCpuMs() - before);
                database.Add(PostgresCpuMs() - databaseBefore);
                return seconds;
            }

            double b, j;
            if (i % 2 == 0)
            {
                b = await Bare();
                j = await Job();
            }
            else
            {
                j = await Job();
                b = await Bare();
            }

            bare.Add(b);
            job.Add(j);
            ratios.Add(j / b);
        }

        return new Measured(Benchmarks.Median(bare), Benchmarks.Median(job), Benchmarks.Median(ratios), Benchmarks.Percentile(ratios, 25), Benchmarks.Percentile(ratios, 75), Benchmarks.Median(cpu), Benchmarks.Median(database));
    }

    /// <summary>
    /// CPU time of every <c>postgres</c> process on the machine (the bench's cluster: its pooled backends, and the
    /// checkpointer, WAL writer and autovacuum the job's writes cause), from <c>/proc/PID/stat</c>; 0 without PostgreSQL.
    /// </summary>
    private static double PostgresCpuMs()
    {
        double ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                if (close < 0 || !stat.AsSpan(0, close).EndsWith("(postgres", StringComparison.Ordinal))
                {
                    continue;
                }

                var rest = stat[(close + 2)..].Split(' ');
                ticks += double.Parse(rest[11], CultureInfo.InvariantCulture) + double.Parse(rest[12], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended between the listing and the read.
            }
        }

        return ticks * 10; // USER_HZ is 100 on Linux.
    }

    /// <summary>CPU time of this process (the in-process server and the bench's HTTP client; not ffmpeg, a child).</summary>
    private static double ProcessCpuMs()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalMilliseconds;
    }

    /// <summary>wrk (2 threads, 16 connections) against a finished job, the job list and <c>/health/live</c>, alternating.</summary>
    private static async Task<List<string>> ReadPathAsync(HttpClient http, string baseUrl, string key, string provider, bool quick)
    {
        if (!File.Exists("/usr/bin/wrk"))
        {
            return [$"| {provider}: read path | not measured: wrk is not installed (`apt-get install wrk`; make bench installs it) | | |"];
        }

        var id = (await (await http.GetAsync(new Uri("/api/v1/jobs?per_page=1", UriKind.Relative))).Content.ReadFromJsonAsync<JsonNode>())!["jobs"]![0]!["id"]!.GetValue<string>();
        var seconds = quick ? 3 : 5;
        var rounds = quick ? 1 : 3;
        var job = new List<WrkResult>();
        var list = new List<WrkResult>();
        var live = new List<WrkResult>();
        for (var i = 0; i < rounds; i++)
        {
            live.Add(await WrkAsync($"{baseUrl}/health/live", key, seconds));
            job.Add(await WrkAsync($"{baseUrl}/api/v1/jobs/{id}", key, seconds));
            list.Add(await WrkAsync($"{baseUrl}/api/v1/jobs?per_page=20", key, seconds));
        }

        var liveRps = Benchmarks.Median([.. live.Select(r => r.Rps)]);
        var jobRps = Benchmarks.Median([.. job.Select(r => r.Rps)]);
        var listRps = Benchmarks.Median([.. list.Select(r => r.Rps)]);
        var jobP99 = Benchmarks.Median([.. job.Select(r => r.P99Ms)]);
        var listP99 = Benchmarks.Median([.. list.Select(r => r.P99Ms)]);
        var liveP99 = Benchmarks.Median([.. live.Select(r => r.P99Ms)]);
        return
        [
            Row($"{provider}: `GET /jobs/{{id}}` of a finished job ÷ `/health/live`, requests/s under wrk -t2 -c16 -d{seconds}s (medians of {rounds}: {jobRps:F0} / {liveRps:F0})", jobRps / liveRps, "≥ 0.5"),
            $"| {provider}: `GET /jobs/{{id}}` p99 (`/health/live` p99 in the same runs: {liveP99:F2} ms) | {jobP99:F2} ms | < 5 ms | {(jobP99 < 5 ? "yes" : "no")} |",
            Row($"{provider}: `GET /jobs?per_page=20` ÷ `/health/live`, requests/s ({listRps:F0} / {liveRps:F0}; p99 {listP99:F2} ms)", listRps / liveRps, ""),
        ];
    }

    private sealed record WrkResult(double Rps, double P99Ms);

    private static async Task<WrkResult> WrkAsync(string url, string key, int seconds)
    {
        var result = await FfmpegProcess.CaptureAsync("wrk", ["-t2", "-c16", $"-d{seconds}s", "--latency", "-H", "X-API-Key: " + key, url], TimeSpan.FromSeconds(seconds + 30), CancellationToken.None);
        var output = result.Stdout;
        if (output.Contains("Non-2xx", StringComparison.Ordinal))
        {
            using var http = new HttpClient();
            http.DefaultRequestHeaders.Add("X-API-Key", key);
            using var one = await http.GetAsync(new Uri(url));
            throw new InvalidOperationException($"wrk saw errors on {url} ({(int)one.StatusCode}: {await one.Content.ReadAsStringAsync()}): {output}");
        }

        var rps = double.Parse(Line(output, "Requests/sec:").Split(':')[1].Trim(), CultureInfo.InvariantCulture);
        var p99 = Line(output, "99%").Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return new WrkResult(rps, ToMs(p99));
    }

    private static string Line(string output, string prefix) =>
        output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) ?? throw new InvalidOperationException($"wrk printed no '{prefix}': {output}");

    private static double ToMs(string value)
    {
        var unit = value.TrimStart("0123456789.".ToCharArray());
        var number = double.Parse(value[..^unit.Length], CultureInfo.InvariantCulture);
        return unit switch
        {
            "us" => number / 1000,
            "ms" => number,
            "s" => number * 1000,
            "m" => number * 60_000,
            _ => throw new InvalidOperationException("wrk latency unit " + unit),
        };
    }

    private static string CpuRow(string provider, string clip, Measured measured) =>
        string.Create(CultureInfo.InvariantCulture, $"| {provider}: CPU per {clip} job of the service process (server and bench client, not ffmpeg){(provider == "PostgreSQL" ? $" and of PostgreSQL's processes: {measured.DatabaseCpuMs:F0} ms" : string.Empty)} | {measured.ServerCpuMs:F0} ms | | |");

    private static string Row(string measure, double ratio, string goal)
    {
        var met = goal switch
        {
            "" => "",
            _ when goal.StartsWith("≤ ", StringComparison.Ordinal) => ratio <= double.Parse(goal[2..], CultureInfo.InvariantCulture) ? "yes" : "no",
            _ => ratio >= double.Parse(goal[2..], CultureInfo.InvariantCulture) ? "yes" : "no",
        };
        return string.Create(CultureInfo.InvariantCulture, $"| {measure} | {ratio:F3} | {goal} | {met} |");
    }
}
