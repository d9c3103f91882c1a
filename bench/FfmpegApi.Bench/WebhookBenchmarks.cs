using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FfmpegApi.Bench;

/// <summary>
/// Webhooks and batches: how long an event waits in the outbox before a loopback receiver has it, and a dependent chain
/// run as one batch against the same jobs submitted one after another by a client that waits for each.
/// </summary>
internal static class WebhookBenchmarks
{
    private const string Tiny = "/storage/input/tiny.mp4";

    public static async Task<List<string>> RunAsync(HttpClient http, bool quick)
    {
        var received = new List<(DateTime At, JsonNode Body)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await using var receiver = builder.Build();
        receiver.MapPost("/hook", async (HttpRequest request) =>
        {
            var at = TimeProvider.System.GetUtcNow().UtcDateTime;
            var body = await JsonNode.ParseAsync(request.Body);
            lock (received)
            {
                received.Add((at, body!));
            }

            return Results.NoContent();
        });
        await receiver.StartAsync();
        var url = receiver.Urls.First() + "/hook";
        using var subscribe = new StringContent($$"""{"url":"{{url}}","events":["job.completed","batch.completed"]}""", Encoding.UTF8, "application/json");
        using var created = await http.PostAsync(new Uri("/api/v1/webhooks", UriKind.Relative), subscribe);
        created.EnsureSuccessStatusCode();

        // Outbox → receiver: receipt time minus the event's created_at (the commit of the job's completion).
        var jobs = quick ? 10 : 40;
        for (var i = 0; i < jobs; i++)
        {
            await SubmitAsync(http, "/api/v1/convert", Convert(Tiny, null));
            await WaitAsync(() => received.Count > i, TimeSpan.FromSeconds(60));
        }

        List<double> latencies;
        lock (received)
        {
            latencies = [.. received.Select(r => (r.At - r.Body["created_at"]!.GetValue<DateTime>().ToUniversalTime()).TotalMilliseconds)];
        }

        // A three-step chain (encode → re-encode its output → audio of that) as one batch vs. a client driving it.
        var rounds = quick ? 1 : 3;
        var batchTimes = new List<double>();
        var clientTimes = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var dir = $"/storage/output/chain-{round}";
            var clock = Stopwatch.StartNew();
            var before = received.Count;
            object[] chain =
            [
                new { type = "convert", request = Request(Tiny, dir + "/a.mp4") },
                new { type = "convert", request = Request(dir + "/a.mp4", dir + "/b.mp4"), depends_on = new[] { 0 } },
                new { type = "convert", request = Request(dir + "/b.mp4", dir + "/c.mp4"), depends_on = new[] { 1 } },
            ];
            await SubmitAsync(http, "/api/v1/batch", JsonSerializer.Serialize(new { jobs = chain }, Options));
            await WaitAsync(() => received.Skip(before).Any(r => r.Body["type"]!.GetValue<string>() == "batch.completed"), TimeSpan.FromSeconds(120));
            batchTimes.Add(clock.Elapsed.TotalSeconds);

            clock.Restart();
            var input = Tiny;
            foreach (var step in new[] { "x", "y", "z" })
            {
                var output = $"{dir}/{step}.mp4";
                var id = await SubmitAsync(http, "/api/v1/convert", Convert(input, output));
                await WaitAsync(async () => (await http.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}", UriKind.Relative)))!["status"]!.GetValue<string>() == "completed", TimeSpan.FromSeconds(60));
                input = output;
            }

            clientTimes.Add(clock.Elapsed.TotalSeconds);
        }

        await receiver.StopAsync();
        var (b, c) = (Benchmarks.Percentile(batchTimes, 50), Benchmarks.Percentile(clientTimes, 50));
        return
        [
            string.Create(CultureInfo.InvariantCulture, $"| job completed → webhook received on loopback, p50 ({latencies.Count} events) | {Benchmarks.Percentile(latencies, 50):F1} ms | | |"),
            string.Create(CultureInfo.InvariantCulture, $"| job completed → webhook received on loopback, p99 | {Benchmarks.Percentile(latencies, 99):F1} ms | < 1000 ms | {(Benchmarks.Percentile(latencies, 99) < 1000 ? "yes" : "no")} |"),
            string.Create(CultureInfo.InvariantCulture, $"| 3-job dependent chain as one batch ÷ submitted one by one, waiting for each (medians {b:F2} s / {c:F2} s) | {b / c:F3} | ≤ 1 | {(b / c <= 1 ? "yes" : "no")} |"),
        ];
    }

    private static object Request(string input, string? output) =>
        new { input, output = new { path = output, format = output is null ? "mp4" : null, video = new { preset = "ultrafast" } } };

    private static string Convert(string input, string? output) => JsonSerializer.Serialize(Request(input, output), Options);

    private static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private static async Task<string> SubmitAsync(HttpClient http, string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content);
        var created = await response.Content.ReadFromJsonAsync<JsonNode>();
        return (created!["job"] ?? created["batch"])?["id"]?.GetValue<string>() ?? throw new InvalidOperationException(created.ToJsonString());
    }

    private static Task WaitAsync(Func<bool> condition, TimeSpan timeout) => WaitAsync(() => Task.FromResult(condition()), timeout);

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException("benchmark step did not finish in time");
            }

            await Task.Delay(20);
        }
    }
}
