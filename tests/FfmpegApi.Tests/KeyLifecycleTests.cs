using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Auth;
using FfmpegApi.Core.Data;
using FfmpegApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FfmpegApi.Tests;

/// <summary>Keys through /api/v1/admin/keys: secrets shown once, scopes enforced, rotation overlap, revocation, expiry.</summary>
[Collection(ServerCollection.Name)]
public sealed class KeyLifecycleTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    private async Task<HttpClient> AdminAsync() => _server.Client(await _server.CreateKeyAsync("root", admin: true));

    private static async Task<(string Id, string Secret)> CreateAsync(HttpClient admin, string body)
    {
        var (status, created) = await admin.PostJsonAsync("/api/v1/admin/keys", body);
        status.ShouldBe(HttpStatusCode.Created, created?.ToJsonString());
        return (created!["key"]!["id"]!.GetValue<string>(), created["secret"]!.GetValue<string>());
    }

    private static DateTime Now => TimeProvider.System.GetUtcNow().UtcDateTime;

    private static Uri Url(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task A_created_key_works_its_secret_is_shown_once_and_its_use_is_recorded()
    {
        using var admin = await AdminAsync();
        var (id, secret) = await CreateAsync(admin, """{"name":"ci","tenant":"team-a","expires_in_days":30}""");
        secret.ShouldStartWith("fa_");
        using var client = _server.Client(secret);
        (await client.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var shown = await admin.GetFromJsonAsync<JsonNode>(Url($"/api/v1/admin/keys/{id}"));
        shown!.ToJsonString().ShouldNotContain(secret.Split('_')[2]);
        shown["secret"].ShouldBeNull();
        shown["tenant"]!.GetValue<string>().ShouldBe("team-a");
        shown["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["jobs:read", "jobs:write"]);
        shown["last_used_ip"]!.GetValue<string>().ShouldBe("127.0.0.1");
        shown["last_used_at"].ShouldNotBeNull();
        shown["expires_at"]!.GetValue<DateTime>().ShouldBeGreaterThan(Now.AddDays(29));
        var list = await admin.GetFromJsonAsync<JsonNode>(Url("/api/v1/admin/keys?tenant=team-a"));
        list!["keys"]!.AsArray().ShouldContain(k => k!["id"]!.GetValue<string>() == id);
        list.ToJsonString().ShouldNotContain("secret_hash");
    }

    [Fact]
    public async Task Scopes_limit_what_a_key_can_do()
    {
        using var admin = await AdminAsync();
        var (_, reader) = await CreateAsync(admin, """{"name":"reader","scopes":["jobs:read"]}""");
        var (_, writer) = await CreateAsync(admin, """{"name":"writer","scopes":["jobs:write"]}""");
        using var readClient = _server.Client(reader);
        using var writeClient = _server.Client(writer);

        var (denied, problem) = await readClient.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/short.mp4","output":"mp3"}""");
        denied.ShouldBe(HttpStatusCode.Forbidden);
        problem!["code"]!.GetValue<string>().ShouldBe("ACCESS_DENIED");
        (await readClient.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await readClient.GetAsync(Url("/api/v1/admin/keys"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var (accepted, created) = await writeClient.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/short.mp4","output":"mp3"}""");
        accepted.ShouldBe(HttpStatusCode.Accepted);
        (await writeClient.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await writeClient.DeleteAsync(Url($"/api/v1/jobs/{created!["job"]!["id"]}"), TestContext.Current.CancellationToken)).StatusCode.ShouldNotBe(HttpStatusCode.Forbidden);
        (await writeClient.PostAsJsonAsync(Url("/api/v1/admin/keys"), new { name = "escalate", admin = true }, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Rotation_keeps_the_old_key_for_the_overlap_and_revocation_is_immediate()
    {
        using var admin = await AdminAsync();
        var (id, old) = await CreateAsync(admin, """{"name":"rotating","scopes":["jobs:read"]}""");
        var rotated = await admin.PostAsync(Url($"/api/v1/admin/keys/{id}/rotate?overlap_seconds=3600"), null, TestContext.Current.CancellationToken);
        rotated.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await rotated.Content.ReadFromJsonAsync<JsonNode>(TestContext.Current.CancellationToken);
        var replacement = body!["secret"]!.GetValue<string>();
        body["key"]!["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["jobs:read"]);
        body["previous"]!["replaced_by"]!.GetValue<string>().ShouldBe(body["key"]!["id"]!.GetValue<string>());
        body["previous"]!["expires_at"]!.GetValue<DateTime>().ShouldBe(Now.AddHours(1), TimeSpan.FromMinutes(1));
        using (var oldClient = _server.Client(old))
        using (var newClient = _server.Client(replacement))
        {
            (await oldClient.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK, "inside the overlap");
            (await newClient.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var newId = body["key"]!["id"]!.GetValue<string>();
        var again = await admin.PostAsync(Url($"/api/v1/admin/keys/{newId}/rotate?overlap_seconds=0"), null, TestContext.Current.CancellationToken);
        var third = (await again.Content.ReadFromJsonAsync<JsonNode>(TestContext.Current.CancellationToken))!["secret"]!.GetValue<string>();
        using (var rotatedOut = _server.Client(replacement))
        {
            (await rotatedOut.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "no overlap: out at once");
        }

        var thirdId = (await admin.GetFromJsonAsync<JsonNode>(Url($"/api/v1/admin/keys/{newId}")))!["replaced_by"]!.GetValue<string>();
        var revoked = await admin.DeleteAsync(Url($"/api/v1/admin/keys/{thirdId}"), TestContext.Current.CancellationToken);
        revoked.StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var revokedClient = _server.Client(third))
        {
            var response = await revokedClient.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken);
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await response.Content.ReadFromJsonAsync<JsonNode>(TestContext.Current.CancellationToken))!["detail"]!.GetValue<string>().ShouldBe("Invalid API key");
        }

        (await admin.DeleteAsync(Url($"/api/v1/admin/keys/{thirdId}"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK, "revoking twice is fine");
        (await admin.PostAsync(Url($"/api/v1/admin/keys/{thirdId}/rotate"), null, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await admin.DeleteAsync(Url("/api/v1/admin/keys/nope"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.PostAsync(Url($"/api/v1/admin/keys/{id}/rotate?overlap_seconds=-5"), null, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task A_key_bound_to_networks_works_only_from_them_compared_as_addresses_not_strings()
    {
        using var admin = await AdminAsync();
        var (elsewhereId, elsewhere) = await CreateAsync(admin, """{"name":"office","allowed_networks":["10.0.0.0/8","2001:db8::/32"]}""");
        var (_, lookalike) = await CreateAsync(admin, """{"name":"prefix-trick","allowed_networks":["127.0.0.10"]}""");
        var (_, local) = await CreateAsync(admin, """{"name":"local","allowed_networks":["127.0.0.1","::1"]}""");

        using var fromElsewhere = _server.Client(elsewhere);
        var refused = await fromElsewhere.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken);
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await refused.Content.ReadFromJsonAsync<JsonNode>(TestContext.Current.CancellationToken))!["code"]!.GetValue<string>().ShouldBe("ACCESS_DENIED");

        // X-Forwarded-For from a peer that is not a trusted proxy changes nothing.
        using var spoof = new HttpRequestMessage(HttpMethod.Get, Url("/api/v1/jobs"));
        spoof.Headers.Add("X-Forwarded-For", "10.1.2.3");
        (await fromElsewhere.SendAsync(spoof, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // 127.0.0.1 is not in 127.0.0.10/32, although the string starts the same (the original's startswith bug).
        using var fromLookalike = _server.Client(lookalike);
        (await fromLookalike.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var fromLocal = _server.Client(local);
        (await fromLocal.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var shown = await admin.GetFromJsonAsync<JsonNode>(Url($"/api/v1/admin/keys/{elsewhereId}"));
        shown!["allowed_networks"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["10.0.0.0/8", "2001:db8::/32"]);
        var (_, rotated) = await admin.PostJsonAsync($"/api/v1/admin/keys/{elsewhereId}/rotate", "{}");
        rotated!["key"]!["allowed_networks"]!.AsArray().Count.ShouldBe(2, "a rotated key keeps its networks");
        var audit = await admin.GetFromJsonAsync<JsonNode>(Url("/api/v1/admin/audit?action=auth.failure"));
        audit!["events"]!.AsArray().ShouldContain(e => e!["detail"]!.GetValue<string>() == "key used from outside its allowed networks");
    }

    [Fact]
    public async Task An_expired_key_is_refused()
    {
        using var admin = await AdminAsync();
        var (id, secret) = await CreateAsync(admin, """{"name":"short-lived","expires_in_days":1}""");
        await using (var scope = _server.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.ApiKeys.Where(k => k.Id == id).ExecuteUpdateAsync(s => s.SetProperty(k => k.ExpiresAt, Now.AddSeconds(-1)), TestContext.Current.CancellationToken);
        }

        using var client = _server.Client(secret);
        (await client.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("""{"scopes":["jobs:read"]}""", "name")]
    [InlineData("""{"name":"x","scopes":["root"]}""", "scopes")]
    [InlineData("""{"name":"x","scopes":[]}""", "scopes")]
    [InlineData("""{"name":"x","admin":true,"scopes":["jobs:read"]}""", "scopes")]
    [InlineData("""{"name":"x","tenant":"../other"}""", "tenant")]
    [InlineData("""{"name":"x","expires_in_days":0}""", "expires_in_days")]
    [InlineData("""{"name":"x","owner":"me"}""", "owner")]
    [InlineData("""{"name":"x","allowed_networks":["10.0.0.0/33"]}""", "allowed_networks[0]")]
    [InlineData("""{"name":"x","allowed_networks":["127.0.0.1","intranet"]}""", "allowed_networks[1]")]
    [InlineData("""{"name":"x","allowed_networks":[]}""", "allowed_networks")]
    [InlineData("""{"name":"x","requests_per_second":-1}""", "requests_per_second")]
    [InlineData("""{"name":"x","requests_per_hour":"many"}""", "requests_per_hour")]
    public async Task Bad_key_requests_name_the_field(string body, string field)
    {
        using var admin = await AdminAsync();
        var (status, problem) = await admin.PostJsonAsync("/api/v1/admin/keys", body);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["errors"]!.AsObject().ContainsKey(field).ShouldBeTrue(problem.ToJsonString());
    }

    [Fact]
    public async Task Validation_is_cached_with_a_bounded_staleness_and_counted()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?> { ["Keys:CacheSeconds"] = "1" });
        var secret = await server.CreateKeyAsync("cached");
        using var client = server.Client(secret);
        for (var i = 0; i < 5; i++)
        {
            (await client.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        // Another process revoking the key (a direct database change here) is seen once the entry expires.
        await using (var scope = server.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.ApiKeys.Where(k => k.Name == "cached").ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, Now), TestContext.Current.CancellationToken);
        }

        (await client.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK, "still cached");
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        (await client.GetAsync(Url("/api/v1/jobs"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "after Keys:CacheSeconds");

        var metrics = await server.Client().GetStringAsync(Url("/metrics"), TestContext.Current.CancellationToken);
        // Summed over series: OpenTelemetry listens to meters by name, so a server started beside this one in the same
        // test process (tests run in parallel) can add a series of its own.
        var hits = metrics.Split('\n').Where(l => l.StartsWith("ffmpegapi_cache_hits_total{", StringComparison.Ordinal) && l.Contains("cache=\"api_keys\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture));
        hits.ShouldBeGreaterThanOrEqualTo(4);
        metrics.Split('\n').ShouldContain(l => l.StartsWith("ffmpegapi_cache_misses_total{", StringComparison.Ordinal) && l.Contains("cache=\"api_keys\"", StringComparison.Ordinal));
    }
}
