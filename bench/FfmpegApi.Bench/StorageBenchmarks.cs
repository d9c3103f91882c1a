using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace FfmpegApi.Bench;

/// <summary>
/// Moving big files through a <c>serve</c> process (<c>dotnet ffmpeg-api.dll</c>, SQLite): a 2 GiB synthetic tus
/// upload (64 MiB PATCHes), and a 2 GiB job output downloaded through the API. Reported: throughput against
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
            ["Backup__Enabled"] = "false",
            ["Limits__RequestsPerHour"] = "0",
            ["Jobs__MaxInputBytes"] = (size * 2).ToString(CultureInfo.InvariantCulture),
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
            var (download, readBaseline, beforeDownload, downloadPeak) = await DownloadAsync(http, server.Pid, dir, size);
            return
            [
                Row($"tus upload, {mib:0} MiB in 64 MiB PATCHes: MB/s ÷ local file write MB/s", (mib / upload) / (mib / baseline), $"{mib / upload:0} vs {mib / baseline:0} MB/s"),
                Row("server resident memory: peak during the upload − at start (goal < 200 MB)", peak - startRss, $"start {startRss:0} MB, peak {peak:0} MB"),
                Row($"output download, {download.Mib:0} MiB (GET /jobs/{{id}}/output of a stream-copy job): MB/s ÷ local file read MB/s", (download.Mib / download.Seconds) / (download.Mib / readBaseline), $"{download.Mib / download.Seconds:0} vs {download.Mib / readBaseline:0} MB/s"),
                Row("server resident memory: peak during the download − before it (goal < 200 MB)", downloadPeak - beforeDownload, $"before {beforeDownload:0} MB, peak {downloadPeak:0} MB"),
            ];
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// A media file of about <paramref name="size"/> bytes (raw video in Matroska, made by ffmpeg), converted by a
    /// stream-copy job, then downloaded through the API; the baseline reads the same file from disk.
    /// </summary>
    private static async Task<((double Mib, double Seconds) Download, double ReadBaseline, double Before, double Peak)> DownloadAsync(HttpClient http, int pid, string dir, long size)
    {
        var input = Path.Combine(dir, "storage", "input", "big.mkv");
        Directory.CreateDirectory(Path.GetDirectoryName(input)!);
        var frames = (size / (320 * 240 * 3 / 2)).ToString(CultureInfo.InvariantCulture);
        using (var make = Process.Start(new ProcessStartInfo("ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-frames:v", frames, "-c:v", "rawvideo", "-pix_fmt", "yuv420p", input]))!)
        {
            await make.WaitForExitAsync();
        }

        using var submitted = await http.PostAsJsonAsync(new Uri("/api/v1/convert", UriKind.Relative), new { input = "/storage/input/big.mkv", output = new { path = "/storage/output/big.mkv", video = new { codec = "copy" }, audio = (object?)null } });
        var id = (await submitted.Content.ReadFromJsonAsync<JsonNode>())!["job"]!["id"]!.GetValue<string>();
        for (var i = 0; i < 600; i++)
        {
            var job = await http.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}", UriKind.Relative));
            var status = job!["status"]!.GetValue<string>();
            if (status == "completed")
            {
                break;
            }

            if (status is "failed" or "dead" or "cancelled")
            {
                throw new InvalidOperationException("the stream-copy job ended " + job.ToJsonString());
            }

            await Task.Delay(500);
        }

        File.Delete(input);
        var readClock = Stopwatch.StartNew();
        await using (var file = File.OpenRead(Path.Combine(dir, "storage", "output", "big.mkv")))
        {
            await file.CopyToAsync(Stream.Null);
        }

        var readBaseline = readClock.Elapsed.TotalSeconds;
        try
        {
            // Reset the server's peak (VmHWM) so the download's own peak is measured, not the upload's.
            await File.WriteAllTextAsync($"/proc/{pid}/clear_refs", "5");
        }
        catch (IOException)
        {
            // Not allowed here: the peak then includes the upload's.
        }
        catch (UnauthorizedAccessException)
        {
        }

        var before = Status(pid, "VmRSS");
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync(new Uri($"/api/v1/jobs/{id}/output", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[1 << 20];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return ((total / (1024.0 * 1024), seconds), readBaseline, before, Status(pid, "VmHWM"));
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
