using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FfmpegApi.Tests;

/// <summary>
/// The job read path (#28): <c>ETag</c> and <c>If-None-Match</c> → 304 on one job and on the list, never a stale view
/// (a changed job has a new ETag and its new body at once), nothing across tenants, and the cached, source-generated
/// bodies byte-for-byte what the reflection serializer writes for jobs of every kind.
/// </summary>
public sealed class JobReadPathTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string url, string? etag = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Relative));
        if (etag is not null)
        {
            request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
        }

        return await client.SendAsync(request, Token);
    }

    [Fact]
    public async Task A_job_answers_304_while_unchanged_and_its_new_state_at_once_when_it_changes()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?> { ["Worker:Enabled"] = "false" });
        await TestMedia.GenerateAsync(Path.Combine(server.StorageRoot, "input", "in.mp4"), 1);
        using var client = server.Client(await server.CreateKeyAsync("reader", tenant: "t1"));
        using var other = server.Client(await server.CreateKeyAsync("stranger", tenant: "t2"));
        var id = await client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":"mp4"}""");

        using var first = await GetAsync(client, $"/api/v1/jobs/{id}");
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var etag = first.Headers.ETag!.ToString();
        first.Headers.CacheControl!.NoCache.ShouldBeTrue();
        JsonNode.Parse(await first.Content.ReadAsStringAsync(Token))!["status"]!.GetValue<string>().ShouldBe("queued");

        using (var again = await GetAsync(client, $"/api/v1/jobs/{id}", etag))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.NotModified);
            (await again.Content.ReadAsByteArrayAsync(Token)).ShouldBeEmpty();
            again.Headers.ETag!.ToString().ShouldBe(etag);
        }

        using (var stranger = await GetAsync(other, $"/api/v1/jobs/{id}", etag))
        {
            stranger.StatusCode.ShouldBe(HttpStatusCode.NotFound, "another tenant learns nothing, not even 'not modified'");
        }

        using (var list = await GetAsync(client, "/api/v1/jobs"))
        {
            var listTag = list.Headers.ETag!.ToString();
            using var listAgain = await GetAsync(client, "/api/v1/jobs", listTag);
            listAgain.StatusCode.ShouldBe(HttpStatusCode.NotModified);
            using var otherList = await GetAsync(other, "/api/v1/jobs", listTag);
            otherList.StatusCode.ShouldBe(HttpStatusCode.OK, "another tenant's list is another answer");
            JsonNode.Parse(await otherList.Content.ReadAsStringAsync(Token))!["total"]!.GetValue<int>().ShouldBe(0);

            using var cancel = await client.DeleteAsync(new Uri($"/api/v1/jobs/{id}", UriKind.Relative), Token);
            cancel.StatusCode.ShouldBe(HttpStatusCode.OK);
            using var changedList = await GetAsync(client, "/api/v1/jobs", listTag);
            changedList.StatusCode.ShouldBe(HttpStatusCode.OK);
            JsonNode.Parse(await changedList.Content.ReadAsStringAsync(Token))!["jobs"]![0]!["status"]!.GetValue<string>().ShouldBe("cancelled");
        }

        using var changed = await GetAsync(client, $"/api/v1/jobs/{id}", etag);
        changed.StatusCode.ShouldBe(HttpStatusCode.OK);
        changed.Headers.ETag!.ToString().ShouldNotBe(etag);
        JsonNode.Parse(await changed.Content.ReadAsStringAsync(Token))!["status"]!.GetValue<string>().ShouldBe("cancelled");
        using var weak = await GetAsync(client, $"/api/v1/jobs/{id}", "W/" + changed.Headers.ETag!.ToString());
        weak.StatusCode.ShouldBe(HttpStatusCode.NotModified, "a weak validator of the same version matches (RFC 9110 weak comparison)");

        // A finished job's view is served from memory without a query; still only to its tenant.
        using var cached = await GetAsync(other, $"/api/v1/jobs/{id}", changed.Headers.ETag!.ToString());
        cached.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var admin = server.Client(await server.CreateKeyAsync("root", admin: true));
        using var across = await GetAsync(admin, $"/api/v1/jobs/{id}");
        across.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await across.Content.ReadAsStringAsync(Token)).ShouldBe(await changed.Content.ReadAsStringAsync(Token));
    }

    [Fact]
    public async Task Served_bodies_are_what_the_reflection_serializer_writes_for_every_kind()
    {
        await using var server = await ApiServer.StartAsync();
        await TestMedia.GenerateAsync(Path.Combine(server.StorageRoot, "input", "in.mp4"), 1);
        await File.WriteAllTextAsync(Path.Combine(server.StorageRoot, "input", "text.mp4"), "not media", Token);
        using var client = server.Client(await server.CreateKeyAsync("kinds"));
        string[] ids =
        [
            await client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":{"format":"mp4","video":{"preset":"ultrafast"}},"operations":[{"type":"trim","start":0,"duration":0.5}]}"""),
            await client.SubmitAsync("""{"input":"/storage/input/in.mp4","outputs":[{"format":"webm"},{"format":"mp3"}]}"""),
            await client.SubmitToAsync("/api/v1/thumbnails", """{"input":"/storage/input/in.mp4","count":2,"width":64}"""),
            await client.SubmitToAsync("/api/v1/analyze", """{"input":"/storage/input/in.mp4","reference":"/storage/input/in.mp4","metrics":["psnr"]}"""),
            await client.SubmitToAsync("/api/v1/stream", """{"input":"/storage/input/in.mp4","type":"hls","variants":[{"resolution":"240p","bitrate":"200k"}]}"""),
            await client.SubmitAsync("""{"input":"/storage/input/text.mp4","output":"mp4"}"""),
        ];
        foreach (var id in ids)
        {
            await client.WaitForEndAsync(id);
        }

        await using var scope = server.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        foreach (var id in ids)
        {
            var job = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id, Token);
            var attempts = await db.JobAttempts.AsNoTracking().Where(a => a.JobId == id).OrderBy(a => a.Id).ToListAsync(Token);
            var expected = JsonSerializer.Serialize(JobView.From(job) with { AttemptHistory = [.. attempts.Select(JobAttemptView.From)] }, JsonDefaults.Options);
            for (var read = 0; read < 2; read++)
            {
                // The first read builds the view, the second is served from the cache.
                using var response = await GetAsync(client, $"/api/v1/jobs/{id}");
                (await response.Content.ReadAsStringAsync(Token)).ShouldBe(expected, $"job {id} ({job.Status}), read {read + 1}");
            }
        }

        var rows = await db.Jobs.AsNoTracking().OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id).Take(4).ToListAsync(Token);
        var total = await db.Jobs.CountAsync(Token);
        var expectedList = JsonSerializer.Serialize(new JobListResponse([.. rows.Select(JobView.From)], total, 1, 4, total > 4, false), JsonDefaults.Options);
        using var page = await GetAsync(client, "/api/v1/jobs?per_page=4");
        (await page.Content.ReadAsStringAsync(Token)).ShouldBe(expectedList);
    }

    [Fact]
    public void Views_are_built_from_every_column_but_the_log()
    {
        using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite("Data Source=:memory:").Options);
        var mapped = db.Model.FindEntityType(typeof(Job))!.GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        var assigned = ((System.Linq.Expressions.MemberInitExpression)JobAccess.WithoutLog.Body).Bindings.Select(b => b.Member.Name).Order(StringComparer.Ordinal).ToList();
        assigned.ShouldBe([.. mapped.Where(p => p != nameof(Job.Log))]);
    }
}
