using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Storage;
using FfmpegApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Tests;

/// <summary>
/// Uploads: one multipart POST, and tus 1.0 (creation, resumable PATCHes, HEAD, termination); the resulting
/// <c>upload://{id}</c> as a job input; tenant ownership; size limits; expiry.
/// </summary>
public sealed class UploadTests : IAsyncLifetime
{
    private ApiServer _server = null!;
    private HttpClient _client = null!;
    private byte[] _clip = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ApiServer.StartAsync();
        _client = _server.Client(await _server.CreateKeyAsync("uploader", tenant: "tenant-up"));
        var path = Path.Combine(_server.DataDir, "clip.mp4");
        await TestMedia.GenerateAsync(path, 2);
        _clip = await File.ReadAllBytesAsync(path);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static Uri Url(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task A_multipart_upload_becomes_a_job_input_of_its_tenant_only()
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(_clip), "file", "holiday clip.mp4" } };
        using var response = await _client.PostAsync(Url("/api/v1/uploads"), form);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var upload = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
        upload["size"]!.GetValue<long>().ShouldBe(_clip.Length);
        upload["complete"]!.GetValue<bool>().ShouldBeTrue();
        upload["file_name"]!.GetValue<string>().ShouldBe("holiday clip.mp4");
        var input = upload["input"]!.GetValue<string>();
        input.ShouldStartWith("upload://");

        var id = await _client.SubmitAsync(JobClient.Json(new { input, output = new { path = "/storage/output/uploaded.mp4", format = "mp4" } }));
        (await _client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("completed");
        (await TestMedia.ProbeAsync(_server.Physical("/storage/output/uploaded.mp4"))).DurationSeconds!.Value.ShouldBe(2, 0.1);

        // And back: the result downloads whole, or by range.
        var whole = await _client.GetByteArrayAsync(Url($"/api/v1/jobs/{id}/output"));
        whole.ShouldBe(await File.ReadAllBytesAsync(_server.Physical("/storage/output/uploaded.mp4"), TestContext.Current.CancellationToken));
        using var ranged = new HttpRequestMessage(HttpMethod.Get, Url($"/api/v1/jobs/{id}/output"));
        ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100, 199);
        using var part = await _client.SendAsync(ranged, TestContext.Current.CancellationToken);
        part.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
        (await part.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).ShouldBe(whole[100..200]);

        using var other = _server.Client(await _server.CreateKeyAsync("stranger", tenant: "tenant-other"));
        (await other.GetAsync(Url($"/api/v1/uploads/{upload["id"]}"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var (status, problem) = await other.PostJsonAsync("/api/v1/convert", JobClient.Json(new { input, output = "mp4" }));
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!["input"]![0]!.GetValue<string>().ShouldContain("Upload not found");
    }

    [Fact]
    public async Task A_tus_upload_resumes_at_its_offset_and_completes()
    {
        using var options = new HttpRequestMessage(HttpMethod.Options, Url("/api/v1/uploads/tus"));
        using var discovered = await _client.SendAsync(options);
        discovered.Headers.GetValues("Tus-Version").Single().ShouldBe("1.0.0");
        discovered.Headers.GetValues("Tus-Extension").Single().ShouldBe("creation,termination");

        var location = await CreateTusAsync(_clip.Length, "tus clip.mp4");
        (await OffsetAsync(location)).ShouldBe(0);
        var half = _clip.Length / 2;
        (await PatchAsync(location, 0, _clip[..half])).ShouldBe(HttpStatusCode.NoContent);
        (await PatchAsync(location, 0, _clip[..half])).ShouldBe(HttpStatusCode.Conflict, "a stale offset is refused");
        (await OffsetAsync(location)).ShouldBe(half, "the client asks where to resume");
        (await PatchAsync(location, half, _clip[half..])).ShouldBe(HttpStatusCode.NoContent);

        var id = location.ToString().Split('/')[^1];
        var view = (await _client.GetFromJsonAsync<JsonNode>(Url($"/api/v1/uploads/{id}")))!;
        view["complete"]!.GetValue<bool>().ShouldBeTrue();
        SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(_server.DataDir, "uploads", id))).ShouldBe(SHA256.HashData(_clip));
        var job = await _client.SubmitAsync(JobClient.Json(new { input = $"upload://{id}", output = new { path = "/storage/output/tus.mp3", format = "mp3" } }));
        (await _client.WaitForEndAsync(job))["status"]!.GetValue<string>().ShouldBe("completed");
    }

    [Fact]
    public async Task Incomplete_oversized_and_terminated_uploads_are_refused()
    {
        var location = await CreateTusAsync(_clip.Length, "partial.mp4");
        (await PatchAsync(location, 0, _clip[..1000])).ShouldBe(HttpStatusCode.NoContent);
        var id = location.ToString().Split('/')[^1];
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", JobClient.Json(new { input = $"upload://{id}", output = "mp4" }));
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!["input"]![0]!.GetValue<string>().ShouldContain("incomplete");
        (await PatchAsync(location, 1000, new byte[_clip.Length])).ShouldBe(HttpStatusCode.RequestEntityTooLarge, "more than announced");

        using (var terminate = await _client.DeleteAsync(location))
        {
            terminate.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        using var head = new HttpRequestMessage(HttpMethod.Head, location);
        (await _client.SendAsync(head)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        File.Exists(Path.Combine(_server.DataDir, "uploads", id)).ShouldBeFalse();

        await using var small = await ApiServer.StartAsync(new Dictionary<string, string?> { ["Jobs:MaxInputBytes"] = "10000" });
        using var client = small.Client(await small.CreateKeyAsync("small"));
        using var create = new HttpRequestMessage(HttpMethod.Post, Url("/api/v1/uploads/tus"));
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", "10001");
        (await client.SendAsync(create)).StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        using var form = new MultipartFormDataContent { { new ByteArrayContent(_clip), "file", "big.mp4" } };
        (await client.PostAsync(Url("/api/v1/uploads"), form)).StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        Directory.EnumerateFiles(Path.Combine(small.DataDir, "uploads")).ShouldBeEmpty("a refused upload leaves no file");
    }

    [Fact]
    public async Task Expired_uploads_are_swept()
    {
        var location = await CreateTusAsync(10, "soon-gone.bin");
        var id = location.ToString().Split('/')[^1];
        await using var scope = _server.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Uploads.Where(u => u.Id == id).ExecuteUpdateAsync(s => s.SetProperty(u => u.ExpiresAt, TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-1)));

        (await scope.ServiceProvider.GetRequiredService<UploadStore>().SweepAsync(CancellationToken.None)).ShouldBe(1);
        File.Exists(Path.Combine(_server.DataDir, "uploads", id)).ShouldBeFalse();
        (await _client.GetAsync(Url($"/api/v1/uploads/{id}"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private async Task<Uri> CreateTusAsync(long length, string fileName)
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, Url("/api/v1/uploads/tus"));
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        create.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String(Encoding.UTF8.GetBytes(fileName)));
        using var created = await _client.SendAsync(create);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        created.Headers.GetValues("Tus-Resumable").Single().ShouldBe("1.0.0");
        return created.Headers.Location!;
    }

    private async Task<long> OffsetAsync(Uri location)
    {
        using var head = new HttpRequestMessage(HttpMethod.Head, location);
        using var response = await _client.SendAsync(head);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return long.Parse(response.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
    }

    private async Task<HttpStatusCode> PatchAsync(Uri location, long offset, byte[] chunk)
    {
        using var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(chunk) };
        patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        patch.Headers.Add("Tus-Resumable", "1.0.0");
        patch.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
        patch.Headers.ExpectContinue = true; // a refused chunk is answered before its bytes are sent (no broken pipe)
        using var response = await _client.SendAsync(patch);
        return response.StatusCode;
    }
}
