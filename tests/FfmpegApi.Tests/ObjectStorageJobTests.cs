using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>Jobs whose input is an object in S3 (s3rver on loopback), named <c>s3://bucket/key</c> and reached through a storage profile.</summary>
public sealed class ObjectStorageJobTests : IAsyncLifetime
{
    private S3JobServer? _env;
    private S3Emulator? _s3;
    private ApiServer _server = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _env = await S3JobServer.StartAsync();
        Assert.SkipWhen(_env is null, "s3rver is not installed (scripts/install-deps.sh --test installs it)");
        (_s3, _server, _client) = (_env!.S3, _env.Server, _env.Client);
    }

    public async ValueTask DisposeAsync()
    {
        if (_env is not null)
        {
            await _env.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_object_input_is_staged_and_converted()
    {
        var id = await _client.SubmitAsync("""{"input":"s3://media/in/clip.mp4","output":{"path":"/storage/output/from-s3.mp4","format":"mp4"}}""");
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var info = await TestMedia.ProbeAsync(_server.Physical("/storage/output/from-s3.mp4"));
        info.DurationSeconds!.Value.ShouldBe(2, 0.1);
        Directory.Exists(Path.Combine(_server.WorkspaceRoot, id)).ShouldBeFalse();
        (await _client.GetStringAsync(new Uri($"/api/v1/jobs/{id}/logs?lines=100", UriKind.Relative))).ShouldContain("downloaded s3://media/in/clip.mp4");
    }

    [Fact]
    public async Task With_input_access_stream_ffmpeg_reads_the_object_through_a_presigned_url_that_no_log_shows()
    {
        var id = await _client.SubmitAsync("""{"input":"s3://media/in/clip.mp4","output":{"path":"/storage/output/streamed.mp4","video":{"codec":"h264"}},"operations":[{"type":"trim","start":0.5}],"options":{"input_access":"stream"}}""");
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        var info = await TestMedia.ProbeAsync(_server.Physical("/storage/output/streamed.mp4"));
        info.DurationSeconds!.Value.ShouldBe(1.5, 0.1);

        var logs = (await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}/logs?lines=1000", UriKind.Relative)))!["lines"]!.AsArray().Select(l => l!.GetValue<string>()).ToList();
        logs.ShouldContain(l => l.Contains("reading s3://media/in/clip.mp4 directly (presigned URL, no staging copy)"));
        logs.ShouldNotContain(l => l.Contains("downloaded s3://"));
        logs.ShouldContain(l => l.StartsWith('[') && l.Contains("] ffmpeg ") && l.Contains("-protocol_whitelist http,https,tcp,tls") && l.Contains("-i s3://media/in/clip.mp4"));
        logs.ShouldNotContain(l => l.Contains("Signature") || l.Contains("X-Amz-") || l.Contains("http://127.0.0.1"), "a presigned URL is a credential");

        // Files in storage are read in place: stream applies to objects only.
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/output/streamed.mp4","output":"mp3","options":{"input_access":"stream"}}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!["options.input_access"]![0]!.GetValue<string>().ShouldContain("applies to object inputs");
        (await _client.PostJsonAsync("/api/v1/convert", """{"input":"s3://media/in/clip.mp4","output":"mp3","options":{"input_access":"teleport"}}""")).Status.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task An_object_output_appears_when_the_job_succeeds_and_downloads_through_a_presigned_redirect()
    {
        using var counts = new MeterCounts(_server.Service<System.Diagnostics.Metrics.IMeterFactory>());
        var id = await _client.SubmitAsync("""{"input":"s3://media/in/clip.mp4","output":{"path":"s3://other/out/result.mp4","video":{"codec":"h264"}}}""");
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        done["output"]!["path"]!.GetValue<string>().ShouldBe("s3://other/out/result.mp4");
        using var store = new S3BlobStore(_s3!.Profile, TimeProvider.System);
        var stored = (await store.StatAsync("other", "out/result.mp4", CancellationToken.None)).ShouldNotBeNull();
        done["output"]!["metadata"]!["size_bytes"]!.GetValue<long>().ShouldBe(stored.Size);

        // Storage metrics by backend: the staged input read and the output written, byte for byte.
        var input = (await store.StatAsync("media", "in/clip.mp4", CancellationToken.None))!.Size;
        counts.Sum("ffmpegapi.storage.bytes", ("backend", "s3"), ("direction", "read")).ShouldBe(input);
        counts.Sum("ffmpegapi.storage.bytes", ("backend", "s3"), ("direction", "write")).ShouldBe(stored.Size);
        counts.Sum("ffmpegapi.storage.operations", ("backend", "s3"), ("operation", "write"), ("outcome", "ok")).ShouldBe(1);
        counts.Sum("ffmpegapi.storage.errors", ("backend", "s3")).ShouldBe(0);

        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _server.BaseAddress };
        noRedirects.DefaultRequestHeaders.Add("X-API-Key", _client.DefaultRequestHeaders.GetValues("X-API-Key").Single());
        using var redirect = await noRedirects.GetAsync(new Uri($"/api/v1/jobs/{id}/output", UriKind.Relative));
        redirect.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var location = redirect.Headers.Location!;
        location.Query.ShouldContain("Signature");
        var listed = (await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}/outputs", UriKind.Relative)))!["outputs"]![0]!;
        listed["path"]!.GetValue<string>().ShouldBe("s3://other/out/result.mp4");
        listed["size_bytes"]!.GetValue<long>().ShouldBe(stored.Size);
        listed["download_url"]!.GetValue<string>().ShouldStartWith(_s3.Endpoint);
        listed["sha256"]!.GetValue<string>().Length.ShouldBe(64);
        var downloaded = Path.Combine(_server.DataDir, "downloaded.mp4");
        using (var plain = new HttpClient())
        {
            await File.WriteAllBytesAsync(downloaded, await plain.GetByteArrayAsync(location));
        }

        var info = await TestMedia.ProbeAsync(downloaded);
        info.FirstVideo!.CodecName.ShouldBe("h264");
        info.DurationSeconds!.Value.ShouldBe(2, 0.1);
    }

    [Fact]
    public async Task An_s3_input_converts_to_an_azure_output()
    {
        await using var azure = await AzureEmulator.StartAsync();
        Assert.SkipWhen(azure is null, "Azurite is not installed (scripts/install-deps.sh --test installs it)");
        var settings = _s3!.Settings("aws");
        foreach (var (key, value) in azure!.Settings("blob"))
        {
            settings[key] = value;
        }

        await using var server = await ApiServer.StartAsync(settings);
        using var client = server.Client(await server.CreateKeyAsync("cross"));
        var id = await client.SubmitAsync("""{"input":"s3://media/in/clip.mp4","output":{"path":"az://other/converted/clip.webm","video":{"codec":"vp9","crf":40,"preset":"realtime"},"audio":{"codec":"opus"}}}""");
        var done = await client.WaitForEndAsync(id, 180);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        done["output"]!["path"]!.GetValue<string>().ShouldBe("azure://other/converted/clip.webm");

        var store = new AzureBlobStore(azure.Profile, TimeProvider.System);
        var local = Path.Combine(server.DataDir, "from-azure.webm");
        await using (var read = await store.OpenReadAsync("other", "converted/clip.webm", CancellationToken.None))
        await using (var file = File.Create(local))
        {
            await read.CopyToAsync(file);
        }

        var info = await TestMedia.ProbeAsync(local);
        info.FirstVideo!.CodecName.ShouldBe("vp9");
        info.FirstAudio!.CodecName.ShouldBe("opus");
        info.DurationSeconds!.Value.ShouldBe(2, 0.15);
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        noRedirects.DefaultRequestHeaders.Add("X-API-Key", client.DefaultRequestHeaders.GetValues("X-API-Key").Single());
        using var redirect = await noRedirects.GetAsync(new Uri($"/api/v1/jobs/{id}/output", UriKind.Relative));
        redirect.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        redirect.Headers.Location!.Query.ShouldContain("sig=");
    }

    [Fact]
    public async Task An_hls_package_is_published_under_a_prefix_that_must_be_new()
    {
        var id = await _client.SubmitToAsync("/api/v1/stream", """{"input":"s3://media/in/clip.mp4","variants":[{"resolution":"320x180"}],"output":"s3://other/pkg/"}""");
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        done["output"]!["path"]!.GetValue<string>().ShouldBe("s3://other/pkg/master.m3u8");

        using var store = new S3BlobStore(_s3!.Profile, TimeProvider.System);
        var keys = new List<string>();
        await foreach (var item in store.ListAsync("other", "pkg/", CancellationToken.None))
        {
            keys.Add(item.Key);
        }

        keys.ShouldContain("pkg/master.m3u8");
        keys.ShouldContain(k => k.EndsWith("/index.m3u8", StringComparison.Ordinal));
        keys.ShouldContain(k => k.EndsWith(".ts", StringComparison.Ordinal));
        await using (var master = await store.OpenReadAsync("other", "pkg/master.m3u8", CancellationToken.None))
        {
            (await new StreamReader(master).ReadToEndAsync()).ShouldContain("#EXT-X-STREAM-INF");
        }

        var listed = (await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}/outputs", UriKind.Relative)))!["outputs"]!.AsArray();
        listed.Count.ShouldBe(keys.Count);

        var again = await _client.SubmitToAsync("/api/v1/stream", """{"input":"s3://media/in/clip.mp4","variants":[{"resolution":"320x180"}],"output":"s3://other/pkg/"}""");
        var refused = await _client.WaitForEndAsync(again);
        refused["status"]!.GetValue<string>().ShouldBe("failed");
        refused["error"]!["code"]!.GetValue<string>().ShouldBe("INVALID_OUTPUT");
        refused["error"]!["message"]!.GetValue<string>().ShouldContain("already holds objects");
    }

    [Fact]
    public async Task A_thumbnail_set_and_an_analysis_report_are_published_as_objects()
    {
        var thumbs = await _client.SubmitToAsync("/api/v1/thumbnails", """{"input":"s3://media/in/clip.mp4","mode":"count","count":3,"width":64,"output":"s3://other/thumbs/clip"}""");
        var report = await _client.SubmitToAsync("/api/v1/analyze", """{"input":"s3://media/in/clip.mp4","reference":"s3://media/in/clip.mp4","metrics":["psnr"],"output":"s3://other/reports/clip.json"}""");
        var thumbsDone = await _client.WaitForEndAsync(thumbs);
        thumbsDone["status"]!.GetValue<string>().ShouldBe("completed", thumbsDone.ToJsonString());
        thumbsDone["output"]!["path"]!.GetValue<string>().ShouldBe("s3://other/thumbs/clip/thumb_0001.jpg");
        thumbsDone["thumbnails"]!["images"]!.AsArray().Select(i => i!["path"]!.GetValue<string>()).ShouldBe(["s3://other/thumbs/clip/thumb_0001.jpg", "s3://other/thumbs/clip/thumb_0002.jpg", "s3://other/thumbs/clip/thumb_0003.jpg"]);

        using var store = new S3BlobStore(_s3!.Profile, TimeProvider.System);
        var keys = new List<string>();
        await foreach (var item in store.ListAsync("other", "thumbs/clip/", CancellationToken.None))
        {
            keys.Add(item.Key);
        }

        keys.ShouldBe(["thumbs/clip/thumb_0001.jpg", "thumbs/clip/thumb_0002.jpg", "thumbs/clip/thumb_0003.jpg"]);
        var image = Path.Combine(_server.DataDir, "thumb.jpg");
        await using (var source = await store.OpenReadAsync("other", "thumbs/clip/thumb_0002.jpg", CancellationToken.None))
        await using (var target = File.Create(image))
        {
            await source.CopyToAsync(target);
        }

        (await TestMedia.ImageAsync(image)).ShouldBe(("mjpeg", 64, 48));
        var listed = (await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{thumbs}/outputs", UriKind.Relative)))!["outputs"]!.AsArray();
        listed.Count.ShouldBe(3);

        var reportDone = await _client.WaitForEndAsync(report);
        reportDone["status"]!.GetValue<string>().ShouldBe("completed", reportDone.ToJsonString());
        reportDone["output"]!["path"]!.GetValue<string>().ShouldBe("s3://other/reports/clip.json");
        await using var json = await store.OpenReadAsync("other", "reports/clip.json", CancellationToken.None);
        var stored = (await JsonNode.ParseAsync(json, cancellationToken: TestContext.Current.CancellationToken))!;
        stored["metrics"]!["psnr"]!["mean"]!.GetValue<double>().ShouldBeGreaterThan(60);
        reportDone["output"]!["metadata"]!["sha256"]!.GetValue<string>().Length.ShouldBe(64);
    }

    [Fact]
    public async Task With_presigning_disabled_downloads_stream_through_the_api()
    {
        var settings = _s3!.Settings();
        settings["Storage:Profiles:test:Presign"] = "false";
        await using var server = await ApiServer.StartAsync(settings);
        using var client = server.Client(await server.CreateKeyAsync("nopresign"));
        var id = await client.SubmitAsync("""{"input":"s3://media/in/clip.mp4","output":{"path":"s3://other/through/out.mp4","video":{"codec":"h264"}},"options":{"input_access":"stream"}}""");
        var done = await client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        (await client.GetStringAsync(new Uri($"/api/v1/jobs/{id}/logs?lines=200", UriKind.Relative))).ShouldContain("cannot presign; staging a copy instead");

        var listed = (await client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}/outputs", UriKind.Relative)))!["outputs"]![0]!;
        listed["download_url"]!.GetValue<string>().ShouldBe($"/api/v1/jobs/{id}/outputs/0");
        using var response = await client.GetAsync(new Uri($"/api/v1/jobs/{id}/output", UriKind.Relative));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("video/mp4");
        var bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        bytes.Length.ShouldBe((int)listed["size_bytes"]!.GetValue<long>());
        var file = Path.Combine(server.DataDir, "through.mp4");
        await File.WriteAllBytesAsync(file, bytes, TestContext.Current.CancellationToken);
        (await TestMedia.ProbeAsync(file)).FirstVideo!.CodecName.ShouldBe("h264");
    }

    [Fact]
    public async Task A_cancelled_job_leaves_no_object_behind()
    {
        await TestMedia.GenerateAsync(Path.Combine(_server.StorageRoot, "input", "long.mp4"), 30, "640x360");
        var id = await _client.SubmitAsync("""{"input":"/storage/input/long.mp4","output":{"path":"s3://other/cancelled/out.mp4","video":{"preset":"veryslow"}}}""");
        await _client.WaitForAsync(id, TimeSpan.FromSeconds(30), "processing");
        using var cancel = await _client.DeleteAsync(new Uri($"/api/v1/jobs/{id}", UriKind.Relative));
        cancel.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("cancelled");

        using var store = new S3BlobStore(_s3!.Profile, TimeProvider.System);
        await foreach (var item in store.ListAsync("other", "cancelled/", CancellationToken.None))
        {
            item.Key.ShouldBeNull("nothing may be stored for a cancelled job");
        }

        (await _client.GetAsync(new Uri($"/api/v1/jobs/{id}/output", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_missing_object_fails_and_a_malformed_address_is_refused_at_submit()
    {
        using var counts = new MeterCounts(_server.Service<System.Diagnostics.Metrics.IMeterFactory>());
        var id = await _client.SubmitAsync("""{"input":"s3://media/in/nothing.mp4","output":"mp4"}""");
        var failed = await _client.WaitForEndAsync(id);
        failed["status"]!.GetValue<string>().ShouldBe("failed");
        failed["error"]!["code"]!.GetValue<string>().ShouldBe("INVALID_INPUT");
        failed["error"]!["message"]!.GetValue<string>().ShouldContain("not found");

        // A missing object is an outcome of its own, not a storage error.
        counts.Sum("ffmpegapi.storage.operations", ("backend", "s3"), ("outcome", "not_found")).ShouldBeGreaterThan(0);
        counts.Sum("ffmpegapi.storage.errors", ("backend", "s3")).ShouldBe(0);

        foreach (var bad in new[] { "s3://media/../etc/passwd", "s3://media/", "s3://bad bucket/x.mp4" })
        {
            var (status, body) = await _client.PostJsonAsync("/api/v1/convert", JobClient.Json(new { input = bad, output = "mp4" }));
            status.ShouldBe(HttpStatusCode.UnprocessableEntity, bad);
            body!["errors"]!["input"].ShouldNotBeNull(bad);
        }

        foreach (var bad in new[] { "s3://media/../x.mp4", "s3://media//x.mp4", "s3://bad bucket/x.mp4" })
        {
            var (status, body) = await _client.PostJsonAsync("/api/v1/convert", JobClient.Json(new { input = "s3://media/in/clip.mp4", output = new { path = bad } }));
            status.ShouldBe(HttpStatusCode.UnprocessableEntity, bad);
            body!["errors"]!["output.path"].ShouldNotBeNull(bad);
        }
    }

    [Fact]
    public async Task Without_a_profile_an_object_address_is_refused_naming_the_setting()
    {
        await using var plain = await ApiServer.StartAsync();
        using var client = plain.Client(await plain.CreateKeyAsync("plain"));
        var (status, body) = await client.PostJsonAsync("/api/v1/convert", """{"input":"s3://media/in/clip.mp4","output":"mp4"}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        body!["errors"]!["input"]![0]!.GetValue<string>().ShouldContain("Storage:Profiles");
    }
}
