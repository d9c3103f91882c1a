using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

[Collection(ServerCollection.Name)]
public sealed partial class CancelAndEventsTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    [GeneratedRegex(@"ffmpeg started \(pid (\d+)\)")]
    private static partial Regex PidLine();

    [Fact]
    public async Task Cancel_mid_run_stops_ffmpeg_and_leaves_no_output()
    {
        var id = await _client.SubmitAsync("""{"input":"/storage/input/long.mp4","output":{"format":"mp4","video":{"preset":"veryslow"}}}""");
        var running = await _client.WaitForAsync(id, TimeSpan.FromSeconds(30), "processing");
        running["status"]!.GetValue<string>().ShouldBe("processing");
        var pid = await WaitForPidAsync(id);
        Process.GetProcessById(pid).ProcessName.ShouldBe("ffmpeg");

        var clock = Stopwatch.StartNew();
        using var response = await _client.DeleteAsync(new Uri($"/api/v1/jobs/{id}", UriKind.Relative));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        body["status"]!.GetValue<string>().ShouldBe("cancelled");
        body["id"]!.GetValue<string>().ShouldBe(id);
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8));

        var job = await _client.GetJobAsync(id);
        job["status"]!.GetValue<string>().ShouldBe("cancelled");
        job["error"].ShouldBeNull();
        Should.Throw<ArgumentException>(() => Process.GetProcessById(pid));
        File.Exists(_server.Physical($"/storage/output/{id}.mp4")).ShouldBeFalse();
        Directory.Exists(Path.Combine(_server.WorkspaceRoot, id)).ShouldBeFalse();

        using var again = await _client.DeleteAsync(new Uri($"/api/v1/jobs/{id}", UriKind.Relative));
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        JsonNode.Parse(await again.Content.ReadAsStringAsync())!["code"]!.GetValue<string>().ShouldBe("JOB_NOT_CANCELLABLE");
    }

    [Fact]
    public async Task A_queued_job_is_cancelled_at_once()
    {
        // Fill both worker slots so the third job stays queued.
        var blockers = new[]
        {
            await _client.SubmitAsync("""{"input":"/storage/input/long.mp4","output":{"format":"mp4","video":{"preset":"veryslow"}}}"""),
            await _client.SubmitAsync("""{"input":"/storage/input/long.mp4","output":{"format":"mp4","video":{"preset":"veryslow"}}}"""),
        };
        var queued = await _client.SubmitAsync("""{"input":"/storage/input/short.mp4","output":"mp4","options":{"priority":"low"}}""");
        try
        {
            (await _client.GetJobAsync(queued))["status"]!.GetValue<string>().ShouldBe("queued");
            using var response = await _client.DeleteAsync(new Uri($"/api/v1/jobs/{queued}", UriKind.Relative));
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await _client.GetJobAsync(queued))["status"]!.GetValue<string>().ShouldBe("cancelled");
        }
        finally
        {
            foreach (var id in blockers)
            {
                using var _ = await _client.DeleteAsync(new Uri($"/api/v1/jobs/{id}", UriKind.Relative));
            }
        }

        foreach (var id in blockers)
        {
            (await _client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("cancelled");
        }
    }

    [Fact]
    public async Task Sse_streams_increasing_progress_then_one_terminal_event()
    {
        // 20 s of 640x360 at preset slow: long enough for several progress reports even on a fast machine.
        var id = await _client.SubmitAsync("""{"input":"/storage/input/long.mp4","output":{"format":"mp4","video":{"preset":"slow"}},"operations":[{"type":"trim","start":0,"duration":20}]}""");
        var events = await ReadEventsAsync(_client, id, TimeSpan.FromSeconds(120));

        events.ShouldNotBeEmpty();
        var terminal = events[^1];
        terminal.Name.ShouldBe("completed");
        terminal.Data["status"]!.GetValue<string>().ShouldBe("completed");
        terminal.Data["output_path"]!.GetValue<string>().ShouldBe($"/storage/output/{id}.mp4");
        terminal.Data["output_size"]!.GetValue<long>().ShouldBeGreaterThan(0);
        events.Count(e => e.Name is "completed" or "failed" or "cancelled").ShouldBe(1);

        var percents = events.Where(e => e.Name == "progress")
            .Select(e => e.Data["percentage"]?.GetValue<double>())
            .OfType<double>().ToList();
        percents.Count(p => p is > 0 and < 100).ShouldBeGreaterThanOrEqualTo(2, string.Join(", ", percents));
        percents.ShouldBeInOrder();
        var ids = events.Where(e => e.Id is not null).Select(e => e.Id!.Value).ToList();
        ids.ShouldBeInOrder();
        ids.Distinct().Count().ShouldBe(ids.Count);
    }

    [Fact]
    public async Task Sse_reconnect_with_last_event_id_skips_seen_events()
    {
        var id = await _client.SubmitAsync("""{"input":"/storage/input/long.mp4","output":{"format":"mp4","video":{"preset":"veryslow"}}}""");
        try
        {
            var first = await ReadEventsAsync(_client, id, TimeSpan.FromSeconds(30), stopAfter: 3);
            var lastId = first.Where(e => e.Id is not null).Max(e => e.Id!.Value);
            var resumed = await ReadEventsAsync(_client, id, TimeSpan.FromSeconds(30), stopAfter: 2, lastEventId: lastId);
            resumed.ShouldNotBeEmpty();
            resumed.Where(e => e.Id is not null).ShouldAllBe(e => e.Id > lastId);
        }
        finally
        {
            using var _ = await _client.DeleteAsync(new Uri($"/api/v1/jobs/{id}", UriKind.Relative));
        }
    }

    [Fact]
    public async Task Sse_for_a_finished_job_sends_only_the_terminal_event()
    {
        var id = await _client.SubmitAsync("""{"input":"/storage/input/notes.mp4","output":"mp4"}""");
        await _client.WaitForEndAsync(id);
        var events = await ReadEventsAsync(_client, id, TimeSpan.FromSeconds(10));
        events.Count.ShouldBe(1);
        events[0].Name.ShouldBe("failed");
        events[0].Data["error"]!["code"]!.GetValue<string>().ShouldBe("INVALID_INPUT");
    }

    [Fact]
    public async Task Sse_needs_a_key_and_hides_other_tenants_jobs()
    {
        var id = await _client.SubmitAsync("""{"input":"/storage/input/short.mp4","output":"mp3"}""");
        using var anonymous = _server.Client();
        using var unauthorized = await anonymous.GetAsync(new Uri($"/api/v1/jobs/{id}/events", UriKind.Relative));
        unauthorized.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var other = _server.Client(await _server.CreateKeyAsync("other-sse"));
        using var hidden = await other.GetAsync(new Uri($"/api/v1/jobs/{id}/events", UriKind.Relative));
        hidden.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        await _client.WaitForEndAsync(id);
    }

    internal sealed record SseEvent(long? Id, string Name, JsonNode Data);

    internal static async Task<List<SseEvent>> ReadEventsAsync(HttpClient client, string id, TimeSpan timeout, int stopAfter = int.MaxValue, long? lastEventId = null)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/jobs/{id}/events", UriKind.Relative));
        if (lastEventId is { } last)
        {
            request.Headers.Add("Last-Event-ID", last.ToString(CultureInfo.InvariantCulture));
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var events = new List<SseEvent>();
        long? eventId = null;
        string? name = null;
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                eventId = long.Parse(line[4..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(new SseEvent(eventId, name!, JsonNode.Parse(line[6..])!));
                eventId = null;
                if (events.Count >= stopAfter)
                {
                    break;
                }
            }
        }

        return events;
    }

    private async Task<int> WaitForPidAsync(string id)
    {
        for (var i = 0; i < 100; i++)
        {
            var logs = await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}/logs?lines=1000", UriKind.Relative));
            foreach (var line in logs!["lines"]!.AsArray())
            {
                var match = PidLine().Match(line!.GetValue<string>());
                if (match.Success)
                {
                    return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("ffmpeg never started");
    }
}
