using System.Text.RegularExpressions;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// Every metric that deploy/prometheus (alert rules) and deploy/grafana (dashboards) reference is exported by a
/// running server at /metrics — a renamed metric cannot silently blind an alert.
/// </summary>
public sealed partial class MonitoringAssetsTests
{
    [GeneratedRegex(@"\b(ffmpegapi_[a-z0-9_]+|http_server_[a-z0-9_]+)\b", RegexOptions.CultureInvariant)]
    private static partial Regex MetricName();

    [Fact]
    public async Task Every_metric_the_alerts_and_dashboards_use_is_exported()
    {
        // Backups scheduled (their gauge), a GPU assumed (the per-device session gauge exists only where devices do).
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?>
        {
            ["Backup:Enabled"] = "true",
            ["Backup:FirstDelaySeconds"] = "3600",
            ["Hardware:Assume:0"] = "nvidia",
        });
        await TestMedia.GenerateAsync(Path.Combine(server.StorageRoot, "input", "in.mp4"), 1);
        using var client = server.Client(await server.CreateKeyAsync("monitor"));
        // A webhook delivery (its attempt counter), a cached probe and key (the cache counters), a local write (storage).
        await using var receiver = await WebhookReceiver.StartAsync();
        var id = await client.SubmitAsync($$"""{"input":"/storage/input/in.mp4","output":"mp3","webhook_url":"{{receiver.Url("/done")}}"}""");
        (await client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("completed");
        for (var i = 0; i < 100 && receiver.Received.IsEmpty; i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        receiver.Received.ShouldNotBeEmpty();
        (await client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/missing.mp4","output":"mp3"}""")).Status.ShouldBe(System.Net.HttpStatusCode.UnprocessableEntity);

        using var anonymous = server.Client();
        var exported = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 40 && !(exported.Contains("ffmpegapi_workers_alive") && exported.Contains("ffmpegapi_webhooks_attempts_total")); i++)
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
            var text = await anonymous.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);
            exported = [.. text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('{', ' ')[0])];
        }

        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
        var assets = Directory.GetFiles(Path.Combine(root, "deploy", "prometheus"), "*.yml").Concat(Directory.GetFiles(Path.Combine(root, "deploy", "grafana"), "*.json"))
            .Append(Path.Combine(root, "docs", "observability.md")).ToList();
        assets.Count.ShouldBeGreaterThanOrEqualTo(4);
        var referenced = new List<(string File, string Metric)>();
        foreach (var file in assets)
        {
            referenced.AddRange(MetricName().Matches(await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken)).Select(m => (Path.GetFileName(file), m.Value)));
        }

        referenced.Count.ShouldBeGreaterThan(20);
        // The docs name histograms without their _bucket suffix; the fallback counter appears only after a hardware
        // fallback, which HardwareApiTests provokes and checks, and the upscale series after an upscale job (UpscaleApiTests).
        string[] elsewhere = ["ffmpegapi_hardware_fallbacks_total", "ffmpegapi_upscale_frames_total", "ffmpegapi_upscale_inference_duration_seconds"];
        var missing = referenced.Where(r => !exported.Contains(r.Metric) && !exported.Contains(r.Metric + "_bucket"))
            .Where(r => !(r.File == "observability.md" && elsewhere.Contains(r.Metric))).Distinct().ToList();
        missing.ShouldBeEmpty($"exported: {string.Join(", ", exported.Order())}");
    }

    [Fact]
    public async Task Admin_stats_show_the_queue_workers_and_disk_to_admins_only()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?> { ["Worker:Enabled"] = "false" });
        await TestMedia.GenerateAsync(Path.Combine(server.StorageRoot, "input", "in.mp4"), 1);
        using var user = server.Client(await server.CreateKeyAsync("user"));
        await user.SubmitAsync("""{"input":"/storage/input/in.mp4","output":"mp3"}""");
        await user.SubmitAsync("""{"input":"/storage/input/in.mp4","output":"wav","options":{"priority":"high"}}""");
        (await user.GetAsync(new Uri("/api/v1/admin/stats", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);

        using var admin = server.Client(await server.CreateKeyAsync("admin", admin: true));
        var stats = (await admin.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>(new Uri("/api/v1/admin/stats", UriKind.Relative), TestContext.Current.CancellationToken))!;
        stats["queue"]!["depth"]!["normal"]!.GetValue<long>().ShouldBe(1);
        stats["queue"]!["depth"]!["high"]!.GetValue<long>().ShouldBe(1);
        stats["queue"]!["depth"]!["low"]!.GetValue<long>().ShouldBe(0);
        stats["queue"]!["oldest_age_seconds"]!["high"]!.GetValue<double>().ShouldBeGreaterThanOrEqualTo(0);
        stats["running_jobs"]!.GetValue<int>().ShouldBe(0);
        stats["live_workers"]!.GetValue<int>().ShouldBe(0, "this server runs no workers");
        stats["last_backup"].ShouldBeNull();
        stats["disk_free_bytes"]!["data"]!.GetValue<long>().ShouldBeGreaterThan(0);
    }
}
