using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace FfmpegApi.Bench;

/// <summary>
/// Moving big files through a <c>serve</c> process (<c>dotnet ffmpeg-api.dll</c>, SQLite): a 2 GiB synthetic tus
/// upload (64 MiB PATCHes). Reported: throughput against
/// writing the same bytes to a file in this process (the baseline, same run), and the server's resident memory
/// before and at its peak (VmHWM), which must stay under 200 MB above start.
/// </summary>
internal static class StorageBenchmarks
{
    private const int Chunk = 64 * 1024 * 1024;

    public static async Task<List<string>> RunAsync(bool quick)
    {
        var size = quick ? 256L * 1024 * 1024 : 2L * 1024 * 1024 * 1024;
        var dir = Directory.CreateTempSubdirectory("fa-bench-storage-").FullName;
        var env = new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Warning",
            ["Limits__RequestsPerSecond"] = "0",
            ["Limits__RequestsPerHour"] = "0",
            ["Jobs__MaxInputBytes"] = (size + 1).ToString(CultureInfo.InvariantCulture),
        };
        try
        {
            var baseline = await WriteLocallyAsync(Path.Combine(dir, "baseline.bin"), size);
            File.Delete(Path.Combine(dir, "baseline.bin"));
            var key = (await ScaleOutBenchmarks.CliAsync(env, "keys", "create", "--name", "bench", "--data-dir", dir)).TrimEnd().Split('\n')[^1];
            using var server = await ScaleOutBenchmarks.StartAsync(env, "serve", dir);
            using var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromMinutes(10) };
            http.DefaultRequestHeaders.Add("X-API-Key", key);
            await Task.Delay(2000);
            var startRss = Status(server.Pid, "VmRSS");

            using var create = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/uploads/tus", UriKind.Relative));
            create.Headers.Add("Tus-Resumable", "1.0.0");
            create.Headers.Add("Upload-Length", size.ToString(CultureInfo.InvariantCulture));
            using var created = await http.SendAsync(create);
            var location = created.Headers.Location ?? throw new InvalidOperationException("tus creation failed: " + created.StatusCode);
            var clock = Stopwatch.StartNew();
            var buffer = Pattern();
            for (long offset = 0; offset < size; offset += Chunk)
            {
                var length = (int)Math.Min(Chunk, size - offset);
                using var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(buffer, 0, length) };
                patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
                patch.Headers.Add("Tus-Resumable", "1.0.0");
                patch.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
                using var response = await http.SendAsync(patch);
                response.EnsureSuccessStatusCode();
            }

            var upload = clock.Elapsed.TotalSeconds;
            var peak = Status(server.Pid, "VmHWM");
            var mib = size / (1024.0 * 1024);
            return
            [
                Row($"tus upload, {mib:0} MiB in 64 MiB PATCHes: MB/s ÷ local file write MB/s", (mib / upload) / (mib / baseline), $"{mib / upload:0} vs {mib / baseline:0} MB/s"),
                Row("server resident memory: peak during the upload − at start (goal < 200 MB)", peak - startRss, $"start {startRss:0} MB, peak {peak:0} MB"),
            ];
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Row(string what, double value, string detail) =>
        string.Create(CultureInfo.InvariantCulture, $"| {what} | {value:0.00} | {detail} |");

    /// <summary>A field of /proc/PID/status in MB (VmRSS now, VmHWM the peak so far).</summary>
    private static double Status(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    private static byte[] Pattern()
    {
        var buffer = new byte[Chunk];
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)(i * 31 % 251);
        }

        return buffer;
    }

    private static async Task<double> WriteLocallyAsync(string path, long size)
    {
        var buffer = Pattern();
        var clock = Stopwatch.StartNew();
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            for (long offset = 0; offset < size; offset += Chunk)
            {
                await file.WriteAsync(buffer.AsMemory(0, (int)Math.Min(Chunk, size - offset)));
            }
        }

        return clock.Elapsed.TotalSeconds;
    }
}
