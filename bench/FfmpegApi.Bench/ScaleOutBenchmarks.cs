using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;

namespace FfmpegApi.Bench;

/// <summary>
/// Separate processes on PostgreSQL, as deployed: one <c>api</c> and one <c>worker</c> (<c>dotnet ffmpeg-api.dll</c>).
/// Submit → ffmpeg started (the worker's "ffmpeg started" log line minus the job's <c>created_at</c>, one job at a time,
/// so every start is a LISTEN/NOTIFY wake-up of an idle worker) and ffmpeg progress → SSE client of the api process
/// (receive time minus the worker's <c>observed_at</c>). Also the row of the 2,000-job fault run when
/// <c>scripts/bench.sh</c> ran it.
/// </summary>
internal static class ScaleOutBenchmarks
{
    public static async Task<List<string>> RunAsync(bool quick)
    {
        var rows = new List<string>();
        if (Environment.GetEnvironmentVariable("FFMPEG_API_BENCH_POSTGRES") is not { Length: > 0 } server)
        {
            return rows;
        }

        var name = "fa_bench_scale_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(server, $"CREATE DATABASE {name}");
        var dir = Directory.CreateTempSubdirectory("fa-bench-scale-").FullName;
        var env = new Dictionary<string, string>
        {
            ["Database__Provider"] = "postgres",
            ["Database__ConnectionString"] = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Limits__RequestsPerSecond"] = "0",
            ["Backup__Enabled"] = "false",
            ["Limits__RequestsPerHour"] = "0",
            ["Limits__MaxActiveJobsPerTenant"] = "0",
            ["Worker__IdlePollSeconds"] = "60",
        };
        try
        {
            await CliAsync(env, "migrate", "--data-dir", dir);
            var key = (await CliAsync(env, "keys", "create", "--name", "bench", "--data-dir", dir)).TrimEnd().Split('\n')[^1];
            var input = Path.Combine(dir, "storage", "input");
            Directory.CreateDirectory(input);
            await RunAsync("ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=25:duration=0.2", "-c:v", "libx264", "-preset", "ultrafast", Path.Combine(input, "tiny.mp4"));
            await RunAsync("ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=10", "-c:v", "libx264", "-preset", "ultrafast", Path.Combine(input, "720p.mp4"));
            using var api = await StartAsync(env, "api", dir);
            using var worker = await StartAsync(env, "worker", dir);
            using var http = new HttpClient { BaseAddress = api.Url, Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Add("X-API-Key", key);

            var starts = new List<double>();
            var count = quick ? 30 : 150;
            for (var i = 0; i < count; i++)
            {
                var id = await SubmitAsync(http, """{"input":"/storage/input/tiny.mp4","output":{"format":"mp4","video":{"preset":"ultrafast"}}}""");
                var job = await WaitAsync(http, id);
                var created = job["created_at"]!.GetValue<DateTime>().ToUniversalTime();
                var logs = await http.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}/logs?lines=1000", UriKind.Relative));
                var line = logs!["lines"]!.AsArray().Select(l => l!.GetValue<string>()).First(l => l.Contains("] ffmpeg started", StringComparison.Ordinal));
                var started = DateTime.Parse(line[1..line.IndexOf(']', StringComparison.Ordinal)], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
                starts.Add((started - created).TotalMilliseconds);
            }

            var sse = new List<double>();
            for (var i = 0; i < (quick ? 1 : 3); i++)
            {
                await ProgressLatencyAsync(http, sse);
            }

            rows.Add(Row($"PostgreSQL, api + worker processes: submit → ffmpeg started, p50 ({count} short jobs, one at a time, idle worker woken by NOTIFY)", Benchmarks.Percentile(starts, 50), "ms", "< 50 ms", Benchmarks.Percentile(starts, 50) < 50));
            rows.Add(Row("same, p95", Benchmarks.Percentile(starts, 95), "ms", "", null));
            rows.Add(Row($"PostgreSQL, ffmpeg progress in the worker process → SSE client of the api process, p50 ({sse.Count} events)", Benchmarks.Percentile(sse, 50), "ms", "", null));
            rows.Add(Row("same, p99", Benchmarks.Percentile(sse, 99), "ms", "< 100 ms", Benchmarks.Percentile(sse, 99) < 100));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            Directory.Delete(dir, recursive: true);
        }

        if (Environment.GetEnvironmentVariable("FFMPEG_API_BENCH_FAULT_REPORT") is { Length: > 0 } report)
        {
            // Written by the test only when every assertion held (each job completed exactly once, all four workers took part).
            var line = File.Exists(report) ? (await File.ReadAllTextAsync(report)).Trim() : string.Empty;
            rows.Add(line.Length > 0
                ? $"| fault run, make test's exactly-once test at full size: {line}, each completed exactly once | passed | 2,000 jobs, 4 worker processes | yes |"
                : "| fault run, make test's exactly-once test at full size (see the bench log) | failed | 2,000 jobs, 4 worker processes | no |");
        }

        return rows;
    }

    /// <summary>A 10 s 720p encode followed over SSE on the api process while the worker process runs it.</summary>
    private static async Task ProgressLatencyAsync(HttpClient http, List<double> latencies)
    {
        var id = await SubmitAsync(http, """{"input":"/storage/input/720p.mp4","output":{"format":"mp4","video":{"preset":"veryfast"}}}""");
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
                if (eventName == "progress" && data["stage"]?.GetValue<string>() == "processing" && data["out_time_seconds"] is not null)
                {
                    latencies.Add((received - data["observed_at"]!.GetValue<DateTime>().ToUniversalTime()).TotalMilliseconds);
                }

                if (eventName is "completed" or "failed" or "cancelled")
                {
                    return;
                }
            }
        }
    }

    private static async Task<string> SubmitAsync(HttpClient http, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/api/v1/convert", UriKind.Relative), content);
        var created = await response.Content.ReadFromJsonAsync<JsonNode>();
        return created!["job"]?["id"]?.GetValue<string>() ?? throw new InvalidOperationException(created.ToJsonString());
    }

    private static async Task<JsonNode> WaitAsync(HttpClient http, string id)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var job = (await http.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}", UriKind.Relative)))!;
            var status = job["status"]!.GetValue<string>();
            if (status == "completed")
            {
                return job;
            }

            if (status is "failed" or "dead" or "cancelled")
            {
                throw new InvalidOperationException(job.ToJsonString());
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"job {id} did not complete");
    }

    internal static async Task<string> CliAsync(Dictionary<string, string> env, params string[] args)
    {
        using var process = Process.Start(Psi(env, args))!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? stdout : throw new InvalidOperationException($"ffmpeg-api {string.Join(' ', args)}: {stdout}");
    }

    internal static async Task<Server> StartAsync(Dictionary<string, string> env, string mode, string dir)
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var url = new Uri($"http://127.0.0.1:{port}");
        List<string> args = [mode, "--data-dir", dir, "--urls", url.ToString().TrimEnd('/')];
        if (mode == "worker")
        {
            args.AddRange(["--concurrency", "1"]);
        }

        var process = Process.Start(Psi(env, args))!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var server = new Server(process, url);
        using var probe = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 300 && !process.HasExited; i++)
        {
            try
            {
                if ((await probe.GetAsync(new Uri("/health/live", UriKind.Relative))).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        server.Dispose();
        throw new InvalidOperationException($"ffmpeg-api {mode} did not start");
    }

    private static ProcessStartInfo Psi(Dictionary<string, string> env, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ffmpeg-api.dll"));
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        return psi;
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(file, args);
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed");
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string Row(string measure, double value, string unit, string goal, bool? met) =>
        string.Create(CultureInfo.InvariantCulture, $"| {measure} | {value:F1} {unit} | {goal} | {(met is null ? string.Empty : met.Value ? "yes" : "no")} |");

    internal sealed class Server(Process process, Uri url) : IDisposable
    {
        public Uri Url => url;

        public int Pid => process.Id;

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }

            process.Dispose();
        }
    }
}
