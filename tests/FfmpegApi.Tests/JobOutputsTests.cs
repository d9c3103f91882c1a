using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>GET /jobs/{id}/outputs (every published file, size, SHA-256) and /outputs/{index} (download, Range).</summary>
[Collection(ServerCollection.Name)]
public sealed class JobOutputsTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    private static Uri Url(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task Every_output_is_listed_with_size_and_checksum_and_downloads_by_index()
    {
        using var client = _server.Client(fixture.UserKey);
        var id = await client.SubmitAsync("""{"input":"/storage/input/short.mp4","outputs":[{"path":"/storage/output/listed/a.mp4","video":{"preset":"ultrafast"}},{"path":"/storage/output/listed/a.mp3"}]}""");
        (await client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("completed");

        var listed = (await client.GetFromJsonAsync<JsonNode>(Url($"/api/v1/jobs/{id}/outputs")))!["outputs"]!.AsArray();
        listed.Select(o => o!["path"]!.GetValue<string>()).ShouldBe(["/storage/output/listed/a.mp4", "/storage/output/listed/a.mp3"]);
        foreach (var output in listed)
        {
            var bytes = await File.ReadAllBytesAsync(_server.Physical(output!["path"]!.GetValue<string>()));
            output["size_bytes"]!.GetValue<long>().ShouldBe(bytes.Length);
            output["sha256"]!.GetValue<string>().ShouldBe(Convert.ToHexStringLower(SHA256.HashData(bytes)));
            (await client.GetByteArrayAsync(Url(output["download_url"]!.GetValue<string>()))).ShouldBe(bytes);
        }

        listed[1]!["content_type"]!.GetValue<string>().ShouldBe("audio/mpeg");
        using var range = new HttpRequestMessage(HttpMethod.Get, Url($"/api/v1/jobs/{id}/outputs/0"));
        range.Headers.Range = new RangeHeaderValue(0, 99);
        using var partial = await client.SendAsync(range);
        partial.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
        (await partial.Content.ReadAsByteArrayAsync()).Length.ShouldBe(100);
        (await client.GetAsync(Url($"/api/v1/jobs/{id}/outputs/2"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_package_is_listed_file_by_file_and_unfinished_jobs_answer_409()
    {
        using var client = _server.Client(fixture.UserKey);
        var id = await client.SubmitToAsync("/api/v1/stream", """{"input":"/storage/input/short.mp4","variants":[{"resolution":"320x180"}],"output":"/storage/output/listed-hls/"}""");
        (await client.GetAsync(Url($"/api/v1/jobs/{id}/outputs"))).StatusCode.ShouldBeOneOf(HttpStatusCode.Conflict, HttpStatusCode.OK);
        (await client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("completed");

        var paths = (await client.GetFromJsonAsync<JsonNode>(Url($"/api/v1/jobs/{id}/outputs")))!["outputs"]!.AsArray().Select(o => o!["path"]!.GetValue<string>()).ToList();
        paths.ShouldContain("/storage/output/listed-hls/master.m3u8");
        paths.ShouldContain(p => p.EndsWith(".ts", StringComparison.Ordinal));
        paths.ShouldBe(paths.Order(StringComparer.Ordinal).ToList());

        using var other = _server.Client(await _server.CreateKeyAsync("outputs-other", tenant: "elsewhere"));
        (await other.GetAsync(Url($"/api/v1/jobs/{id}/outputs"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
