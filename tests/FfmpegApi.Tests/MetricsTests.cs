using System.Net;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>/metrics exports the job meter and HTTP metrics in Prometheus text format.</summary>
[Collection(ServerCollection.Name)]
public sealed class MetricsTests(ServerFixture fixture)
{
    [Fact]
    public async Task Job_and_http_metrics_are_exported()
    {
        using var client = fixture.Server.Client(fixture.UserKey);
        var id = await client.SubmitAsync("""{"input":"/storage/input/short.mp4","output":"mp3"}""");
        (await client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("completed");

        using var anonymous = fixture.Server.Client();
        string text = string.Empty;
        for (var i = 0; i < 20 && !text.Contains("ffmpegapi_jobs_finished", StringComparison.Ordinal); i++)
        {
            // The exporter caches a scrape for a moment; a finished job may need the next one.
            using var response = await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative));
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            text = await response.Content.ReadAsStringAsync();
            await Task.Delay(250);
        }

        text.ShouldContain("ffmpegapi_jobs_submitted_total");
        text.ShouldContain("ffmpegapi_jobs_finished_total{");
        text.ShouldContain("status=\"completed\"");
        var lines = text.Split('\n');
        lines.ShouldContain(l => l.StartsWith("ffmpegapi_jobs_finished_total{", StringComparison.Ordinal) && l.Contains("kind=\"convert\"", StringComparison.Ordinal) && l.Contains("codec=", StringComparison.Ordinal) && l.Contains("status=\"completed\"", StringComparison.Ordinal));
        lines.ShouldContain(l => l.StartsWith("ffmpegapi_jobs_submitted_total{", StringComparison.Ordinal) && l.Contains("kind=\"convert\"", StringComparison.Ordinal) && l.Contains("format=\"mp3\"", StringComparison.Ordinal));
        text.ShouldContain("ffmpegapi_jobs_start_latency_milliseconds_bucket");
        text.ShouldContain("http_server_request_duration_seconds");
        text.ShouldNotContain(fixture.UserKey);
    }
}
