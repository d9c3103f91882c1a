using System.Net;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Idempotency;
using FfmpegApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Tests;

/// <summary><c>Idempotency-Key</c>: one job per key and body, replayed answers, refusal of a reused key, concurrency.</summary>
[Collection(ServerCollection.Name)]
public sealed class IdempotencyTests(ServerFixture fixture)
{
    private const string Body = """{"input":"/storage/input/short.mp4","output":"mp3"}""";
    private readonly ApiServer _server = fixture.Server;

    private static async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> PostAsync(HttpClient client, string url, string json, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, UriKind.Relative)) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    private async Task<int> JobCountAsync(string tenant)
    {
        await using var scope = _server.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Jobs.CountAsync(j => j.TenantId == tenant);
    }

    [Fact]
    public async Task A_repeated_request_gets_the_first_answer_and_creates_nothing()
    {
        using var client = _server.Client(await _server.CreateKeyAsync("idem", tenant: "idem-repeat"));
        var key = Guid.NewGuid().ToString();
        var (s1, first, r1) = await PostAsync(client, "/api/v1/convert", Body, key);
        s1.ShouldBe(HttpStatusCode.Accepted);
        r1.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        var (s2, second, r2) = await PostAsync(client, "/api/v1/convert", Body, key);
        s2.ShouldBe(HttpStatusCode.Accepted);
        r2.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        r2.Headers.Location!.ToString().ShouldBe(r1.Headers.Location!.ToString());
        second!.ToJsonString().ShouldBe(first!.ToJsonString());
        (await JobCountAsync("idem-repeat")).ShouldBe(1);

        var (s3, third, _) = await PostAsync(client, "/api/v1/convert", Body, Guid.NewGuid().ToString());
        s3.ShouldBe(HttpStatusCode.Accepted);
        third!["job"]!["id"]!.GetValue<string>().ShouldNotBe(first["job"]!["id"]!.GetValue<string>());
        (await JobCountAsync("idem-repeat")).ShouldBe(2);
    }

    [Fact]
    public async Task The_same_key_with_another_body_or_endpoint_is_refused()
    {
        using var client = _server.Client(await _server.CreateKeyAsync("idem", tenant: "idem-reuse"));
        var key = Guid.NewGuid().ToString();
        (await PostAsync(client, "/api/v1/convert", Body, key)).Status.ShouldBe(HttpStatusCode.Accepted);
        var (status, problem, _) = await PostAsync(client, "/api/v1/convert", Body.Replace("mp3", "wav", StringComparison.Ordinal), key);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["code"]!.GetValue<string>().ShouldBe("IDEMPOTENCY_KEY_REUSED");
        problem["errors"]!["idempotency-key"].ShouldNotBeNull();
        (await PostAsync(client, "/api/v1/thumbnails", """{"input":"/storage/input/short.mp4"}""", key)).Status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await PostAsync(client, "/api/v1/convert", Body, new string('k', 300))).Status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await JobCountAsync("idem-reuse")).ShouldBe(1);

        // Keys are per tenant: another tenant's identical key is its own.
        using var other = _server.Client(await _server.CreateKeyAsync("idem", tenant: "idem-reuse-2"));
        (await PostAsync(other, "/api/v1/convert", Body.Replace("mp3", "wav", StringComparison.Ordinal), key)).Status.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Concurrent_duplicates_create_exactly_one_job()
    {
        using var client = _server.Client(await _server.CreateKeyAsync("idem", tenant: "idem-race"));
        var key = Guid.NewGuid().ToString();
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => PostAsync(client, "/api/v1/convert", Body, key)));
        answers.ShouldAllBe(a => a.Status == HttpStatusCode.Accepted);
        answers.Select(a => a.Body!["job"]!["id"]!.GetValue<string>()).Distinct().Count().ShouldBe(1);
        answers.Count(a => !a.Response.Headers.Contains("Idempotent-Replayed")).ShouldBe(1);
        (await JobCountAsync("idem-race")).ShouldBe(1);
    }

    [Fact]
    public async Task A_key_is_forgotten_after_24_hours()
    {
        using var client = _server.Client(await _server.CreateKeyAsync("idem", tenant: "idem-expiry"));
        var key = Guid.NewGuid().ToString();
        var (_, first, _) = await PostAsync(client, "/api/v1/convert", Body, key);
        await using (var scope = _server.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var expired = TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(-1);
            await db.IdempotencyRecords.Where(r => r.TenantId == "idem-expiry").ExecuteUpdateAsync(s => s.SetProperty(r => r.ExpiresAt, expired), TestContext.Current.CancellationToken);
        }

        var (status, second, response) = await PostAsync(client, "/api/v1/convert", Body, key);
        status.ShouldBe(HttpStatusCode.Accepted);
        response.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        second!["job"]!["id"]!.GetValue<string>().ShouldNotBe(first!["job"]!["id"]!.GetValue<string>());
    }
}
