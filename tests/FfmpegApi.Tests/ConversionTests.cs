using System.Net;
using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>Real jobs through HTTP with real ffmpeg; outputs checked with ffprobe.</summary>
[Collection(ServerCollection.Name)]
public sealed class ConversionTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    [Fact]
    public async Task Mp4_h264_aac_from_a_format_string()
    {
        var (status, body) = await _client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/short.mp4","output":"mp4"}""");
        status.ShouldBe(HttpStatusCode.Accepted);
        var job = body!["job"]!;
        var id = job["id"]!.GetValue<string>();
        job["status"]!.GetValue<string>().ShouldBe("queued");
        job["links"]!["self"]!.GetValue<string>().ShouldBe($"/api/v1/jobs/{id}");
        body["warnings"]!.AsArray().ShouldBeEmpty();

        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        done["progress"]!.GetValue<double>().ShouldBe(100);
        done["speed"]!.GetValue<double>().ShouldBeGreaterThan(0);
        done["started_at"].ShouldNotBeNull();
        done["completed_at"].ShouldNotBeNull();
        var outputPath = done["output"]!["path"]!.GetValue<string>();
        outputPath.ShouldBe($"/storage/output/{id}.mp4");
        var metadata = done["output"]!["metadata"]!;
        metadata["video_codec"]!.GetValue<string>().ShouldBe("h264");
        metadata["audio_codec"]!.GetValue<string>().ShouldBe("aac");
        metadata["width"]!.GetValue<int>().ShouldBe(320);

        var probe = await TestMedia.ProbeAsync(_server.Physical(outputPath));
        probe.FirstVideo!.CodecName.ShouldBe("h264");
        probe.FirstAudio!.CodecName.ShouldBe("aac");
        probe.DurationSeconds!.Value.ShouldBe(2.0, 0.1);
        metadata["size_bytes"]!.GetValue<long>().ShouldBe(new FileInfo(_server.Physical(outputPath)).Length);
    }

    [Fact]
    public async Task Webm_vp9_opus_to_an_explicit_path()
    {
        var id = await _client.SubmitAsync("""
            {"input":{"path":"/storage/input/short.mp4"},
             "output":{"path":"/storage/output/nested/clip.webm","video":{"codec":"vp9","crf":40,"preset":"ultrafast"},"audio":{"codec":"opus","bitrate":"64k"}},
             "options":{"priority":"high"}}
            """);
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        done["priority"]!.GetValue<string>().ShouldBe("high");
        var probe = await TestMedia.ProbeAsync(Path.Combine(_server.StorageRoot, "output", "nested", "clip.webm"));
        probe.FormatName.ShouldContain("webm");
        probe.FirstVideo!.CodecName.ShouldBe("vp9");
        probe.FirstAudio!.CodecName.ShouldBe("opus");
        probe.DurationSeconds!.Value.ShouldBe(2.0, 0.1);
    }

    [Fact]
    public async Task Audio_only_mp3_extraction()
    {
        var id = await _client.SubmitAsync("""{"input":"/storage/input/short.mp4","output":{"format":"mp3","audio":{"bitrate":"128k","channels":1}}}""");
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        probe.FirstVideo.ShouldBeNull();
        probe.FirstAudio!.CodecName.ShouldBe("mp3");
        probe.FirstAudio.Channels.ShouldBe(1);
        probe.DurationSeconds!.Value.ShouldBe(2.0, 0.15);
    }

    [Fact]
    public async Task Trim_and_scale_give_the_exact_duration_and_size()
    {
        var id = await _client.SubmitAsync("""
            {"input":"/storage/input/ten.mp4","output":{"format":"mp4","video":{"codec":"h264","preset":"ultrafast"}},
             "operations":[{"type":"trim","start":"00:00:02.5","end":6.0},{"type":"scale","width":320,"height":180}]}
            """);
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        probe.FirstVideo!.Width.ShouldBe(320);
        probe.FirstVideo.Height.ShouldBe(180);
        probe.DurationSeconds!.Value.ShouldBe(3.5, 0.1);
        done["operations"]!.AsArray().Select(o => o!["type"]!.GetValue<string>()).ShouldBe(["trim", "scale"]);
    }

    [Fact]
    public async Task Resize_alias_and_resolution_shorthand_never_upscale_by_default()
    {
        var id = await _client.SubmitAsync("""
            {"input":"/storage/input/short.mp4","output":{"format":"mkv","video":{"codec":"libx264","resolution":"240p","preset":"ultrafast"}},
             "operations":[{"type":"resize","height":120}]}
            """);
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        // 320x240 → resize to height 120 (160x120); the 240p box would need an upscale, so the size stays.
        probe.FirstVideo!.Height.ShouldBe(120);
        probe.FirstVideo.Width.ShouldBe(160);
        probe.FormatName.ShouldContain("matroska");
    }

    [Fact]
    public async Task A_job_over_its_timeout_is_stopped_and_failed()
    {
        var id = await _client.SubmitAsync("""{"input":"/storage/input/long.mp4","output":{"format":"mp4","video":{"preset":"veryslow"}},"options":{"timeout_seconds":2}}""");
        var done = await _client.WaitForEndAsync(id, seconds: 30);
        done["status"]!.GetValue<string>().ShouldBe("failed");
        done["error"]!["code"]!.GetValue<string>().ShouldBe("TIMEOUT");
        File.Exists(_server.Physical($"/storage/output/{id}.mp4")).ShouldBeFalse();
        Directory.Exists(Path.Combine(_server.WorkspaceRoot, id)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_playlist_that_points_outside_the_mount_cannot_read_the_file()
    {
        // An HLS playlist inside the mount naming a media file outside it: with only the protocol whitelist,
        // ffmpeg's hls demuxer would open it through file:. The demuxer whitelist refuses the playlist itself.
        var secret = Path.Combine(_server.DataDir, "secret.ts");
        await TestMedia.GenerateAsync(secret, 1);
        await File.WriteAllTextAsync(Path.Combine(_server.StorageRoot, "input", "evil.m3u8"), $"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{secret}\n#EXT-X-ENDLIST\n");
        var id = await _client.SubmitAsync("""{"input":"/storage/input/evil.m3u8","output":"mp4"}""");
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("failed");
        done["error"]!["code"]!.GetValue<string>().ShouldBe("INVALID_INPUT");
        File.Exists(_server.Physical($"/storage/output/{id}.mp4")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_non_media_input_fails_with_a_clear_reason()
    {
        var id = await _client.SubmitAsync("""{"input":"/storage/input/notes.mp4","output":"mp4"}""");
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("failed");
        done["error"]!["code"]!.GetValue<string>().ShouldBe("INVALID_INPUT");
        var message = done["error"]!["message"]!.GetValue<string>();
        message.ShouldContain("not a readable media file");
        message.ShouldNotContain(_server.DataDir);
        File.Exists(_server.Physical($"/storage/output/{id}.mp4")).ShouldBeFalse();
    }

    [Fact]
    public async Task Logs_include_the_ffmpeg_command_and_stderr_and_the_workspace_is_removed()
    {
        var id = await _client.SubmitAsync("""{"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{"preset":"ultrafast"}}}""");
        (await _client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("completed");
        var logs = await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}/logs?lines=500", UriKind.Relative));
        var lines = logs!["lines"]!.AsArray().Select(l => l!.GetValue<string>()).ToList();
        lines.ShouldContain(l => l.Contains("ffmpeg -hide_banner", StringComparison.Ordinal));
        lines.ShouldContain(l => l.Contains("muxing overhead", StringComparison.Ordinal));
        lines.ShouldNotContain(l => l.Contains(_server.DataDir, StringComparison.Ordinal));
        var tail = await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}/logs?lines=2", UriKind.Relative));
        tail!["lines"]!.AsArray().Count.ShouldBe(2);
        Directory.Exists(Path.Combine(_server.WorkspaceRoot, id)).ShouldBeFalse();
    }

    [Fact]
    public async Task Output_downloads_with_range_support()
    {
        var id = await _client.SubmitAsync("""{"input":"/storage/input/short.mp4","output":{"format":"mp3"}}""");
        var done = await _client.WaitForEndAsync(id);
        var size = done["output"]!["metadata"]!["size_bytes"]!.GetValue<long>();

        using var full = await _client.GetAsync(new Uri($"/api/v1/jobs/{id}/output", UriKind.Relative));
        full.StatusCode.ShouldBe(HttpStatusCode.OK);
        full.Content.Headers.ContentType!.MediaType.ShouldBe("audio/mpeg");
        (await full.Content.ReadAsByteArrayAsync()).Length.ShouldBe((int)size);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/jobs/{id}/output", UriKind.Relative));
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(10, 109);
        using var partial = await _client.SendAsync(request);
        partial.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
        (await partial.Content.ReadAsByteArrayAsync()).Length.ShouldBe(100);
    }
}
