using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>The audit log: who did what, when and from where; admin-only; never a secret.</summary>
public sealed class AuditTests
{
    private static Uri Url(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task Key_job_cross_tenant_and_auth_events_are_recorded_and_filterable()
    {
        await using var server = await ApiServer.StartAsync();
        await TestMedia.GenerateAsync(Path.Combine(server.StorageRoot, "input", "in.mp4"), 1);
        using var admin = server.Client(await server.CreateKeyAsync("root", admin: true, tenant: "ops"));
        var (_, created) = await admin.PostJsonAsync("/api/v1/admin/keys", """{"name":"team","tenant":"team-a"}""");
        var keyId = created!["key"]!["id"]!.GetValue<string>();
        var secret = created["secret"]!.GetValue<string>();
        using var user = server.Client(secret);
        var jobId = await user.SubmitAsync("""{"input":"/storage/input/in.mp4","output":"mp3"}""");
        await user.WaitForEndAsync(jobId);
        (await admin.GetAsync(Url($"/api/v1/jobs/{jobId}"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await admin.PostAsync(Url($"/api/v1/admin/keys/{keyId}/rotate?overlap_seconds=0"), null, TestContext.Current.CancellationToken);
        using (var stale = server.Client(secret))
        {
            (await stale.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        (await user.GetAsync(Url("/api/v1/admin/audit"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "rotated out");
        var log = await admin.GetFromJsonAsync<JsonNode>(Url("/api/v1/admin/audit?per_page=200"));
        var events = log!["events"]!.AsArray();
        string[] actions = [.. events.Select(e => e!["action"]!.GetValue<string>())];
        actions.ShouldContain("key.create");
        actions.ShouldContain("job.create");
        actions.ShouldContain("key.rotate");
        actions.ShouldContain("auth.failure");
        log.ToJsonString().ShouldNotContain(secret.Split('_')[2]);

        var read = events.Single(e => e!["action"]!.GetValue<string>() == "job.read")!;
        read["target"]!.GetValue<string>().ShouldBe(jobId);
        read["target_tenant"]!.GetValue<string>().ShouldBe("team-a");
        read["actor_is_admin"]!.GetValue<bool>().ShouldBeTrue();
        read["client_ip"]!.GetValue<string>().ShouldBe("127.0.0.1");
        var failure = events.First(e => e!["action"]!.GetValue<string>() == "auth.failure")!;
        failure["target"]!.GetValue<string>().ShouldBe($"fa_{secret.Split('_')[1]}_");
        var jobCreate = events.Single(e => e!["action"]!.GetValue<string>() == "job.create")!;
        jobCreate["actor_key_id"]!.GetValue<string>().ShouldBe(keyId);
        jobCreate["actor_tenant"]!.GetValue<string>().ShouldBe("team-a");

        var onlyKeys = await admin.GetFromJsonAsync<JsonNode>(Url("/api/v1/admin/audit?action=key."));
        onlyKeys!["events"]!.AsArray().ShouldAllBe(e => e!["action"]!.GetValue<string>().StartsWith("key.", StringComparison.Ordinal));
        var byTenant = await admin.GetFromJsonAsync<JsonNode>(Url("/api/v1/admin/audit?tenant=team-a&action=job.create"));
        byTenant!["total"]!.GetValue<int>().ShouldBe(1);
        (await admin.GetAsync(Url("/api/v1/admin/audit?per_page=0"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Scope_denials_are_recorded_and_repeated_bad_keys_do_not_flood_the_log()
    {
        await using var server = await ApiServer.StartAsync();
        using var admin = server.Client(await server.CreateKeyAsync("root", admin: true));
        using var user = server.Client(await server.CreateKeyAsync("plain"));
        (await user.GetAsync(Url("/api/v1/admin/audit"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var bad = server.Client("fa_0123456789ab_ThisIsNotARealSecretButLongEnough000");
        for (var i = 0; i < 20; i++)
        {
            (await bad.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var log = await admin.GetFromJsonAsync<JsonNode>(Url("/api/v1/admin/audit"));
        var events = log!["events"]!.AsArray();
        events.Count(e => e!["action"]!.GetValue<string>() == "auth.failure").ShouldBe(1, "at most one per minute per address and prefix");
        events.Single(e => e!["action"]!.GetValue<string>() == "auth.denied")!["target"]!.GetValue<string>().ShouldBe("GET /api/v1/admin/audit");
    }
}
