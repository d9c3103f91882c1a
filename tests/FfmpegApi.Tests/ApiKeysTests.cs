using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// The original API's key routes (<c>/api/v1/api-keys</c>) against its own models, read from its source
/// (TestData/original/routers-api_keys.py): every request member accepted, every answer member present; tenants see
/// only their keys; per-key limits refuse with 429; usage meters real runs.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed partial class ApiKeysTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>The members of a Pydantic model of the original's key router, in declaration order.</summary>
    private static List<string> OriginalModel(string name)
    {
        var source = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "original", "routers-api_keys.py"));
        var body = Regex.Match(source, $@"class {name}\(BaseModel\):\n(?<body>(?:    .*\n|\n)+?)(?=\S)").Groups["body"].Value;
        var members = FieldLine().Matches(body).Select(m => m.Groups[1].Value).ToList();
        members.ShouldNotBeEmpty(name);
        return members;
    }

    [GeneratedRegex(@"^    (\w+): ", RegexOptions.Multiline)]
    private static partial Regex FieldLine();

    /// <summary>A valid value for each member of the original's create and update bodies (its Field constraints).</summary>
    private static JsonNode Sample(string member) => member switch
    {
        "name" => "ci-pipeline",
        "description" => "nightly renders",
        "expires_in_days" => 30,
        "max_concurrent_jobs" => 3,
        "monthly_limit_minutes" => 500,
        "user_id" => "team-orig",
        "organization" => "Acme",
        "is_active" => true,
        _ => throw new ArgumentException($"The original's key models gained '{member}': give it a sample and support it.", nameof(member)),
    };

    private async Task<HttpClient> AdminAsync() => _server.Client(await _server.CreateKeyAsync("root", admin: true));

    private static async Task<JsonNode> OkAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync(Token);
        response.StatusCode.ShouldBe(expected, text);
        return JsonNode.Parse(text)!;
    }

    private static Task<HttpResponseMessage> PatchAsync(HttpClient client, string url, string json) =>
        client.PatchAsync(new Uri(url, UriKind.Relative), new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Token);

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string url, string json = "{}") =>
        client.PostAsync(new Uri(url, UriKind.Relative), new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Token);

    [Fact]
    public async Task Every_member_of_the_originals_key_models_is_accepted_and_answered()
    {
        using var admin = await AdminAsync();
        var create = new JsonObject(OriginalModel("CreateAPIKeyRequest").Select(m => KeyValuePair.Create(m, (JsonNode?)Sample(m))));
        var created = await OkAsync(await PostAsync(admin, "/api/v1/api-keys/", create.ToJsonString()), HttpStatusCode.Created);
        foreach (var member in OriginalModel("CreateAPIKeyResponse"))
        {
            created.AsObject().ContainsKey(member).ShouldBeTrue($"create answer lacks '{member}'");
        }

        var id = created["id"]!.GetValue<string>();
        var secret = created["api_key"]!.GetValue<string>();
        secret.ShouldStartWith(created["key_prefix"]!.GetValue<string>());
        (created["max_concurrent_jobs"]!.GetValue<int>(), created["monthly_limit_minutes"]!.GetValue<int>()).ShouldBe((3, 500));

        var info = await OkAsync(await admin.GetAsync(new Uri($"/api/v1/api-keys/{id}", UriKind.Relative), Token));
        foreach (var member in OriginalModel("APIKeyInfo"))
        {
            info.AsObject().ContainsKey(member).ShouldBeTrue($"key info lacks '{member}'");
        }

        info.ToJsonString().ShouldNotContain(secret.Split('_')[2]);
        (info["user_id"]!.GetValue<string>(), info["organization"]!.GetValue<string>(), info["description"]!.GetValue<string>()).ShouldBe(("team-orig", "Acme", "nightly renders"));
        (info["is_active"]!.GetValue<bool>(), info["is_expired"]!.GetValue<bool>(), info["days_until_expiry"]!.GetValue<int>()).ShouldBe((true, false, 30));

        var list = await OkAsync(await admin.GetAsync(new Uri("/api/v1/api-keys?page=1&page_size=100&search=ci-pipe", UriKind.Relative), Token));
        foreach (var member in OriginalModel("APIKeyListResponse"))
        {
            list.AsObject().ContainsKey(member).ShouldBeTrue($"list answer lacks '{member}'");
        }

        list["api_keys"]!.AsArray().Select(k => k!["id"]!.GetValue<string>()).ShouldContain(id);

        var update = new JsonObject(OriginalModel("UpdateAPIKeyRequest").Select(m => KeyValuePair.Create(m, (JsonNode?)Sample(m))));
        update["name"] = "renamed";
        update["max_concurrent_jobs"] = 7;
        var updated = await OkAsync(await PatchAsync(admin, $"/api/v1/api-keys/{id}", update.ToJsonString()));
        (updated["name"]!.GetValue<string>(), updated["max_concurrent_jobs"]!.GetValue<int>()).ShouldBe(("renamed", 7));
    }

    [Fact]
    public async Task A_key_manages_the_keys_of_its_tenant_only_and_cannot_raise_limits()
    {
        using var admin = await AdminAsync();
        var team = await OkAsync(await PostAsync(admin, "/api/v1/api-keys", """{"name":"team lead","user_id":"team-own"}"""), HttpStatusCode.Created);
        var other = await OkAsync(await PostAsync(admin, "/api/v1/api-keys", """{"name":"elsewhere","user_id":"team-other"}"""), HttpStatusCode.Created);
        using var lead = _server.Client(team["api_key"]!.GetValue<string>());

        // Its own tenant's keys: created with its limits at most; another tenant's are not there at all.
        var child = await OkAsync(await PostAsync(lead, "/api/v1/api-keys", """{"name":"ci"}"""), HttpStatusCode.Created);
        var childId = child["id"]!.GetValue<string>();
        (await OkAsync(await lead.GetAsync(new Uri($"/api/v1/api-keys/{childId}", UriKind.Relative), Token)))["user_id"]!.GetValue<string>().ShouldBe("team-own");
        (await lead.GetAsync(new Uri($"/api/v1/api-keys/{other["id"]}", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var listed = await OkAsync(await lead.GetAsync(new Uri("/api/v1/api-keys", UriKind.Relative), Token));
        listed["api_keys"]!.AsArray().ShouldAllBe(k => k!["user_id"]!.GetValue<string>() == "team-own");
        listed["total_count"]!.GetValue<int>().ShouldBe(2);

        var foreign = await PostAsync(lead, "/api/v1/api-keys", """{"name":"x","user_id":"team-other"}""");
        foreign.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await OkAsync(foreign, HttpStatusCode.Forbidden))["errors"]!["user_id"].ShouldNotBeNull();
        (await PostAsync(lead, "/api/v1/api-keys", """{"name":"x","max_concurrent_jobs":6}""")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await PatchAsync(lead, $"/api/v1/api-keys/{childId}", """{"monthly_limit_minutes":999999}""")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // Switched off and on again; revoked for good; a revoked key is neither revoked again nor extended.
        using var childClient = _server.Client(child["api_key"]!.GetValue<string>());
        (await OkAsync(await PatchAsync(lead, $"/api/v1/api-keys/{childId}", """{"is_active":false}""")))["is_active"]!.GetValue<bool>().ShouldBeFalse();
        (await childClient.GetAsync(new Uri("/api/v1/jobs", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await PatchAsync(lead, $"/api/v1/api-keys/{childId}", """{"is_active":true}""")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        await OkAsync(await PatchAsync(admin, $"/api/v1/api-keys/{childId}", """{"is_active":true}"""));
        (await childClient.GetAsync(new Uri("/api/v1/jobs", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await OkAsync(await PostAsync(lead, $"/api/v1/api-keys/{childId}/revoke")))["revoked_at"].ShouldNotBeNull();
        (await childClient.GetAsync(new Uri("/api/v1/jobs", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await PostAsync(lead, $"/api/v1/api-keys/{childId}/revoke")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await PostAsync(lead, $"/api/v1/api-keys/{childId}/extend?additional_days=5")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var activeOnly = await OkAsync(await lead.GetAsync(new Uri("/api/v1/api-keys", UriKind.Relative), Token));
        activeOnly["api_keys"]!.AsArray().ShouldNotContain(k => k!["id"]!.GetValue<string>() == childId);
        var all = await OkAsync(await lead.GetAsync(new Uri("/api/v1/api-keys?active_only=false", UriKind.Relative), Token));
        all["api_keys"]!.AsArray().ShouldContain(k => k!["id"]!.GetValue<string>() == childId);
    }

    [Fact]
    public async Task A_key_made_by_a_key_keeps_its_networks_rates_and_expiry_and_admin_keys_stay_out_of_sight()
    {
        using var admin = await AdminAsync();
        var (status, parent) = await admin.PostJsonAsync("/api/v1/admin/keys", """{"name":"bounded","tenant":"team-bounded","expires_in_days":10,"allowed_networks":["127.0.0.0/8"],"requests_per_second":50}""");
        status.ShouldBe(HttpStatusCode.Created);
        using var bounded = _server.Client(parent!["secret"]!.GetValue<string>());
        var child = await OkAsync(await PostAsync(bounded, "/api/v1/api-keys", """{"name":"forever","expires_in_days":3650}"""), HttpStatusCode.Created);
        child["expires_at"]!.GetValue<DateTime>().ShouldBeLessThanOrEqualTo(parent["key"]!["expires_at"]!.GetValue<DateTime>());
        var view = await OkAsync(await admin.GetAsync(new Uri($"/api/v1/admin/keys/{child["id"]}", UriKind.Relative), Token));
        view["allowed_networks"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["127.0.0.0/8"]);
        view["requests_per_second"]!.GetValue<int>().ShouldBe(50);

        var (_, tenantAdmin) = await admin.PostJsonAsync("/api/v1/admin/keys", """{"name":"tenant admin","tenant":"team-bounded","admin":true}""");
        var adminId = tenantAdmin!["key"]!["id"]!.GetValue<string>();
        (await bounded.GetAsync(new Uri($"/api/v1/api-keys/{adminId}", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await PostAsync(bounded, $"/api/v1/api-keys/{adminId}/revoke")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await OkAsync(await bounded.GetAsync(new Uri("/api/v1/api-keys", UriKind.Relative), Token)))["api_keys"]!.AsArray()
            .ShouldNotContain(k => k!["id"]!.GetValue<string>() == adminId);
    }

    [Fact]
    public async Task Bad_bodies_and_queries_are_422_naming_the_field()
    {
        using var admin = await AdminAsync();
        var unknown = await OkAsync(await PostAsync(admin, "/api/v1/api-keys", """{"nmae":"x"}"""), HttpStatusCode.UnprocessableEntity);
        unknown["errors"]!["nmae"]![0]!.GetValue<string>().ShouldContain("Unknown field 'nmae'");
        unknown.ToJsonString().ShouldContain("\"name\"");
        var wrongType = await OkAsync(await PostAsync(admin, "/api/v1/api-keys", """{"name":"x","max_concurrent_jobs":"many"}"""), HttpStatusCode.UnprocessableEntity);
        wrongType["errors"]!["max_concurrent_jobs"]![0]!.GetValue<string>().ShouldBe("Must be a whole number.");
        foreach (var (body, field) in new[]
        {
            ("""{"name":""}""", "name"),
            ("""{"name":"x","max_concurrent_jobs":0}""", "max_concurrent_jobs"),
            ("""{"name":"x","monthly_limit_minutes":99}""", "monthly_limit_minutes"),
            ("""{"name":"x","expires_in_days":3651}""", "expires_in_days"),
            ("""{"name":"x","user_id":"a b"}""", "user_id"),
        })
        {
            (await OkAsync(await PostAsync(admin, "/api/v1/api-keys", body), HttpStatusCode.UnprocessableEntity))["errors"]![field].ShouldNotBeNull(body);
        }

        (await admin.GetAsync(new Uri("/api/v1/api-keys?page_size=101", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var key = await OkAsync(await PostAsync(admin, "/api/v1/api-keys", """{"name":"x"}"""), HttpStatusCode.Created);
        (await PostAsync(admin, $"/api/v1/api-keys/{key["id"]}/extend")).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await admin.GetAsync(new Uri($"/api/v1/api-keys/{key["id"]}/usage?days=0", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task A_key_at_its_concurrent_job_limit_is_refused_with_429_until_one_ends()
    {
        using var admin = await AdminAsync();
        var key = await OkAsync(await PostAsync(admin, "/api/v1/api-keys", """{"name":"one at a time","max_concurrent_jobs":1}"""), HttpStatusCode.Created);
        using var client = _server.Client(key["api_key"]!.GetValue<string>());
        const string Slow = """{"input":"/storage/input/long.mp4","output":{"format":"mp4","video":{"preset":"veryslow"}}}""";
        var first = await client.SubmitAsync(Slow);
        var (status, refused) = await client.PostJsonAsync("/api/v1/convert", Slow);
        status.ShouldBe(HttpStatusCode.TooManyRequests);
        refused!["error"]!["code"]!.GetValue<string>().ShouldBe("QUOTA_EXCEEDED");
        refused.ToJsonString().ShouldContain("max_concurrent_jobs");

        (await client.DeleteAsync(new Uri($"/api/v1/jobs/{first}", UriKind.Relative), Token)).IsSuccessStatusCode.ShouldBeTrue();
        await client.WaitForEndAsync(first);
        var second = await client.SubmitAsync(Slow);
        (await client.DeleteAsync(new Uri($"/api/v1/jobs/{second}", UriKind.Relative), Token)).IsSuccessStatusCode.ShouldBeTrue();
        await client.WaitForEndAsync(second);
    }

    [Fact]
    public async Task Usage_meters_the_runs_and_bytes_of_a_real_job_and_the_monthly_limit_refuses_beyond_it()
    {
        using var admin = await AdminAsync();
        var key = await OkAsync(await PostAsync(admin, "/api/v1/api-keys", """{"name":"metered","monthly_limit_minutes":100}"""), HttpStatusCode.Created);
        var keyId = key["id"]!.GetValue<string>();
        using var client = _server.Client(key["api_key"]!.GetValue<string>());
        var started = TimeProvider.System.GetUtcNow().UtcDateTime;
        var id = await client.SubmitAsync("""{"input":"/storage/input/short.mp4","output":{"format":"mp4","path":"/storage/output/metered.mp4","video":{"codec":"h264","preset":"ultrafast"}}}""");
        (await client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("completed");
        var wall = TimeProvider.System.GetUtcNow().UtcDateTime - started;

        var usage = await OkAsync(await client.GetAsync(new Uri($"/api/v1/api-keys/{keyId}/usage", UriKind.Relative), Token));
        var month = usage["current_month"]!;
        (month["jobs"]!.GetValue<int>(), month["completed"]!.GetValue<int>()).ShouldBe((1, 1));
        month["processing_minutes"]!.GetValue<double>().ShouldBeInRange(0.00001, wall.TotalMinutes);
        month["bytes_in"]!.GetValue<long>().ShouldBe(new FileInfo(Path.Combine(_server.StorageRoot, "input", "short.mp4")).Length);
        month["bytes_out"]!.GetValue<long>().ShouldBe(new FileInfo(Path.Combine(_server.StorageRoot, "output", "metered.mp4")).Length);
        usage["last_days"]!["jobs"]!.GetValue<int>().ShouldBe(1);
        usage["previous_month"]!["jobs"]!.GetValue<int>().ShouldBe(0);
        usage["remaining_minutes"]!.GetValue<double>().ShouldBeLessThan(100);
        (await OkAsync(await client.GetAsync(new Uri($"/api/v1/api-keys/{keyId}", UriKind.Relative), Token)))["total_requests"]!.GetValue<int>().ShouldBe(1);

        // A recorded run of 101 minutes this month uses the limit up: the next submit is refused until the month ends.
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        await using (var scope = _server.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            db.JobAttempts.Add(new JobAttempt { JobId = id, Number = 9, WorkerId = "w", StartedAt = now.AddMinutes(-101), EndedAt = now, Outcome = AttemptOutcomes.Retried });
            await db.SaveChangesAsync(Token);
        }

        var refused = await client.PostAsync(new Uri("/api/v1/convert", UriKind.Relative), JsonContent.Create(JsonNode.Parse("""{"input":"/storage/input/short.mp4","output":"mp4"}""")), Token);
        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await refused.Content.ReadAsStringAsync(Token)).ShouldContain("monthly_limit_minutes");
        var nextMonth = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
        int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBeInRange((int)(nextMonth - now).TotalSeconds - 60, (int)(nextMonth - now).TotalSeconds + 60);
    }
}
