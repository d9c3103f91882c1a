using System.Net;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Tests;

/// <summary>
/// The original API's inline <c>credentials</c>: refused unless the operator allows them; when allowed, sealed before
/// the job is stored (the database and every answer hold no key), used for the job's own objects only, with the
/// profile's endpoint. The profile here has wrong keys, so only the inline ones can work.
/// </summary>
public sealed class InlineCredentialsTests : IAsyncLifetime
{
    private S3JobServer? _env;
    private S3Emulator? _s3;
    private ApiServer _server = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _env = await S3JobServer.StartAsync(settings =>
        {
            settings["Storage:Profiles:test:AccessKey"] = "NOT-THE-KEY";
            settings["Storage:Profiles:test:SecretKey"] = "NOT-THE-SECRET";
            settings["Storage:AllowInlineCredentials"] = "true";
        });
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
    public async Task Inline_keys_reach_the_objects_and_are_stored_sealed_and_never_shown()
    {
        var id = await _client.SubmitAsync("""
            {"input":{"path":"s3://media/in/clip.mp4","credentials":{"access_key":"S3RVER","secret_key":"S3RVER"}},
             "output":{"path":"s3://other/inline/out.mp4","video":{"codec":"h264"},"credentials":{"access_key":"S3RVER","secret_key":"S3RVER"}},
             "options":{"max_attempts":1}}
            """);
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        done.ToJsonString().ShouldNotContain("S3RVER");
        (await _client.GetStringAsync(new Uri($"/api/v1/jobs/{id}/logs?lines=1000", UriKind.Relative))).ShouldNotContain("S3RVER");

        using (var scope = _server.App.Services.CreateScope())
        {
            var row = await scope.ServiceProvider.GetRequiredService<AppDbContext>().Jobs.AsNoTracking().SingleAsync(j => j.Id == id, TestContext.Current.CancellationToken);
            row.SpecJson.ShouldNotContain("S3RVER");
            row.DeliveryJson.ShouldNotBeNull().ShouldNotContain("S3RVER");
            row.DeliveryJson.ShouldContain("sealed_credentials");
        }

        // The download link is presigned with the job's own keys.
        var listed = (await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}/outputs", UriKind.Relative)))!["outputs"]![0]!;
        using var http = new HttpClient();
        var bytes = await http.GetByteArrayAsync(new Uri(listed["download_url"]!.GetValue<string>()));
        bytes.Length.ShouldBe((int)listed["size_bytes"]!.GetValue<long>());

        // Without them, the profile's wrong keys are refused by the store.
        var plain = await _client.SubmitAsync("""{"input":"s3://media/in/clip.mp4","output":"mp3","options":{"max_attempts":1}}""");
        var refused = await _client.WaitForEndAsync(plain);
        refused["status"]!.GetValue<string>().ShouldBeOneOf("failed", "dead");
    }

    [Theory]
    [InlineData("""{"input":{"path":"/storage/input/x.mp4","credentials":{"access_key":"a","secret_key":"b"}},"output":"mp3"}""", "input.credentials", "apply to object addresses")]
    [InlineData("""{"input":{"path":"s3://media/in/clip.mp4","credentials":{"access_key":"a"}},"output":"mp3"}""", "input.credentials", "Needs access_key and secret_key")]
    [InlineData("""{"input":{"path":"s3://media/in/clip.mp4","credentials":"a:b"},"output":"mp3"}""", "input.credentials", "Must be an object")]
    public async Task Malformed_credentials_name_the_field_without_echoing_values(string body, string field, string message)
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", body);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["errors"]![field]![0]!.GetValue<string>().ShouldContain(message);
        problem.ToJsonString().ShouldNotContain("a:b");
    }

    [Fact]
    public async Task A_server_that_does_not_allow_them_refuses_inline_credentials()
    {
        await using var server = await ApiServer.StartAsync(_s3!.Settings());
        using var client = server.Client(await server.CreateKeyAsync("strict"));
        var (status, problem) = await client.PostJsonAsync("/api/v1/convert", """{"input":{"path":"s3://media/in/clip.mp4","credentials":{"access_key":"S3RVER","secret_key":"S3RVER"}},"output":"mp3"}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!["input.credentials"]![0]!.GetValue<string>().ShouldContain("Storage:AllowInlineCredentials");
        problem.ToJsonString().ShouldNotContain("S3RVER");
    }
}
