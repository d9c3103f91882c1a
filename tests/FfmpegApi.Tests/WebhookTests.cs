using System.Net;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Webhooks;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>A server whose webhooks may reach the loopback receiver, with a fast retry schedule.</summary>
public sealed class WebhookServerFixture : IAsyncLifetime
{
    public ApiServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await ApiServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:AllowHttp"] = "true",
            ["Webhooks:AllowedTargets:0"] = "127.0.0.1/32",
            ["Webhooks:RetryBaseSeconds"] = "0.2",
            ["Webhooks:RetryMaxSeconds"] = "3",
            ["Webhooks:PollSeconds"] = "0.1",
            ["Webhooks:MaxAttempts"] = "40",
            ["Webhooks:DisableAfterFailures"] = "4",
            ["Webhooks:TimeoutSeconds"] = "5",
        });
        await TestMedia.GenerateAsync(Path.Combine(Server.StorageRoot, "input", "in.mp4"), 1);
        await File.WriteAllTextAsync(Path.Combine(Server.StorageRoot, "input", "broken.mp4"), "not a video");
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Webhooks end to end: a real receiver on loopback, signatures, order, retries, replay, disabling, SSRF refusals.</summary>
public sealed class WebhookTests(WebhookServerFixture fixture) : IClassFixture<WebhookServerFixture>
{
    private const string Job = """{"input":"/storage/input/in.mp4","output":"mp3"}""";
    private readonly ApiServer _server = fixture.Server;

    private static Uri Url(string path) => new(path, UriKind.Relative);

    private static JsonNode Body(ReceivedWebhook hook) => JsonNode.Parse(hook.Body)!;

    private static string Type(ReceivedWebhook hook) => Body(hook)["type"]!.GetValue<string>();

    private static string JobId(ReceivedWebhook hook) => Body(hook)["data"]!["job"]!["id"]!.GetValue<string>();

    private static bool Verifies(string secret, ReceivedWebhook hook, string? body = null) =>
        WebhookSignature.Verify(secret, hook.Id, hook.Timestamp, hook.Signature, body ?? hook.Body, TimeProvider.System.GetUtcNow(), TimeSpan.FromMinutes(5));

    private async Task<HttpClient> TenantAsync(string tenant) => _server.Client(await _server.CreateKeyAsync(tenant, tenant: tenant));

    private static async Task<(string Id, string Secret)> SubscribeAsync(HttpClient client, string url, params string[] events)
    {
        var (status, body) = await client.PostJsonAsync("/api/v1/webhooks", JobClient.Json(new { url, events }));
        status.ShouldBe(HttpStatusCode.Created, body?.ToJsonString());
        return (body!["webhook"]!["id"]!.GetValue<string>(), body["secret"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_subscription_gets_signed_events_in_order_and_a_tampered_body_fails_verification()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = await TenantAsync("wh-sign");
        var (id, secret) = await SubscribeAsync(client, receiver.Url(), "job.queued", "job.started", "job.completed");
        secret.ShouldStartWith("whsec_");
        var list = await client.GetFromJsonAsync<JsonNode>(Url("/api/v1/webhooks"));
        list!["webhooks"]!.AsArray().Single()!["id"]!.GetValue<string>().ShouldBe(id);
        list.ToJsonString().ShouldNotContain(secret[6..]);

        var jobId = await client.SubmitAsync(Job);
        var hooks = await receiver.WaitForAsync(r => r.Count >= 3);
        hooks.Select(Type).ShouldBe(["job.queued", "job.started", "job.completed"]);
        hooks.ShouldAllBe(h => JobId(h) == jobId);
        hooks.Select(h => h.Id).Distinct().Count().ShouldBe(3);
        Body(hooks[0])["id"]!.GetValue<string>().ShouldBe(hooks[0].Id);
        Body(hooks[2])["data"]!["job"]!["status"]!.GetValue<string>().ShouldBe("completed");
        Body(hooks[2])["data"]!["job"]!["output"]!["metadata"].ShouldNotBeNull();
        hooks.ShouldAllBe(h => Verifies(secret, h));
        Verifies(secret, hooks[2], hooks[2].Body.Replace("completed", "failed", StringComparison.Ordinal)).ShouldBeFalse();

        var deliveries = await client.GetFromJsonAsync<JsonNode>(Url($"/api/v1/webhooks/deliveries?job_id={jobId}"));
        deliveries!["total"]!.GetValue<int>().ShouldBe(3);
        deliveries["deliveries"]!.AsArray().ShouldAllBe(d => d!["status"]!.GetValue<string>() == "delivered" && d["attempts"]!.GetValue<int>() == 1);
        var one = deliveries["deliveries"]![0]!["id"]!.GetValue<long>();
        var detail = await client.GetFromJsonAsync<JsonNode>(Url($"/api/v1/webhooks/deliveries/{one}"));
        detail!["attempt_log"]![0]!["status_code"]!.GetValue<int>().ShouldBe(200);
        detail["attempt_log"]![0]!["response_snippet"]!.GetValue<string>().ShouldBe("ok");
        detail["payload"]!["type"]!.GetValue<string>().ShouldBe("job.completed");

        using var other = await TenantAsync("wh-other");
        (await other.GetAsync(Url($"/api/v1/webhooks/{id}"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.GetAsync(Url($"/api/v1/webhooks/deliveries/{one}"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.GetFromJsonAsync<JsonNode>(Url("/api/v1/webhooks/deliveries")))!["total"]!.GetValue<int>().ShouldBe(0);
    }

    [Fact]
    public async Task Events_for_a_receiver_that_is_down_are_retried_and_arrive_in_order_once_it_is_up()
    {
        await using var receiver = WebhookReceiver.Reserve();
        using var client = await TenantAsync("wh-down");
        await SubscribeAsync(client, receiver.Url());
        string[] jobs = [await client.SubmitAsync(Job), await client.SubmitAsync(Job)];
        foreach (var job in jobs)
        {
            await client.WaitForEndAsync(job);
        }

        // Each job's first event has failed at least twice (connection refused); its later events wait behind it.
        JsonArray rows;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            rows = (await client.GetFromJsonAsync<JsonNode>(Url("/api/v1/webhooks/deliveries?status=pending")))!["deliveries"]!.AsArray();
        }
        while (!(rows.Count == 6 && rows.Where(IsQueued).All(d => d!["attempts"]!.GetValue<int>() >= 2)) && clock.Elapsed < TimeSpan.FromSeconds(30));

        rows.Where(IsQueued).ShouldAllBe(d => d!["attempts"]!.GetValue<int>() >= 2 && d["last_error"]!.GetValue<string>().Length > 0);
        rows.Where(d => !IsQueued(d)).ShouldAllBe(d => d!["attempts"]!.GetValue<int>() == 0, "later events wait for the earlier one of their job");

        await receiver.ListenAsync();
        var hooks = await receiver.WaitForAsync(r => r.Count >= 6);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        receiver.Received.Count.ShouldBe(6, "each event once");
        foreach (var job in jobs)
        {
            hooks.Where(h => JobId(h) == job).Select(Type).ShouldBe(["job.queued", "job.started", "job.completed"]);
        }

        var delivered = (await client.GetFromJsonAsync<JsonNode>(Url("/api/v1/webhooks/deliveries?status=delivered")))!["deliveries"]!.AsArray();
        delivered.Count.ShouldBe(6);
        delivered.Where(IsQueued).ShouldAllBe(d => d!["attempts"]!.GetValue<int>() >= 3);
    }

    private static bool IsQueued(JsonNode? delivery) => delivery!["event_type"]!.GetValue<string>() == "job.queued";

    [Fact]
    public async Task Retries_on_5xx_and_429_honouring_retry_after_never_on_other_4xx_and_replay_sends_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var flaky = 0;
        var busy = 0;
        receiver.Answer = r => r.Path switch
        {
            "/flaky" => (Interlocked.Increment(ref flaky) <= 2 ? 503 : 200, null),
            "/busy" => Interlocked.Increment(ref busy) == 1 ? (429, new Dictionary<string, string> { ["Retry-After"] = "2" }) : (200, null),
            _ => (410, null),
        };
        using var client = await TenantAsync("wh-retry");
        await SubscribeAsync(client, receiver.Url("/flaky"), "job.completed");
        await SubscribeAsync(client, receiver.Url("/busy"), "job.completed");
        await SubscribeAsync(client, receiver.Url("/gone"), "job.completed");
        var jobId = await client.SubmitAsync(Job);
        await receiver.WaitForAsync(r => r.Count(h => h.Path == "/flaky") >= 3 && r.Count(h => h.Path == "/busy") >= 2);
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        var got = receiver.Received.ToArray();
        got.Count(h => h.Path == "/flaky").ShouldBe(3);
        got.Where(h => h.Path == "/flaky").Select(h => h.Id).Distinct().Count().ShouldBe(1, "a retry keeps its webhook-id");
        got.Count(h => h.Path == "/gone").ShouldBe(1, "410 is not retried");
        var busyHits = got.Where(h => h.Path == "/busy").ToArray();
        busyHits.Length.ShouldBe(2);
        (busyHits[1].At - busyHits[0].At).ShouldBeGreaterThan(TimeSpan.FromSeconds(1.8), "Retry-After: 2 was honoured");

        var rows = (await client.GetFromJsonAsync<JsonNode>(Url($"/api/v1/webhooks/deliveries?job_id={jobId}")))!["deliveries"]!.AsArray();
        var gone = rows.Single(d => d!["url"]!.GetValue<string>().EndsWith("/gone", StringComparison.Ordinal))!;
        gone["status"]!.GetValue<string>().ShouldBe("failed");
        gone["attempts"]!.GetValue<int>().ShouldBe(1);
        gone["last_status_code"]!.GetValue<int>().ShouldBe(410);
        var flakyRow = rows.Single(d => d!["url"]!.GetValue<string>().EndsWith("/flaky", StringComparison.Ordinal))!;
        flakyRow["status"]!.GetValue<string>().ShouldBe("delivered");
        flakyRow["attempts"]!.GetValue<int>().ShouldBe(3);

        var (status, replay) = await client.PostJsonAsync($"/api/v1/webhooks/deliveries/{flakyRow["id"]!.GetValue<long>()}/replay", "{}");
        status.ShouldBe(HttpStatusCode.Accepted, replay?.ToJsonString());
        var again = await receiver.WaitForAsync(r => r.Count(h => h.Path == "/flaky") >= 4);
        again.Last(h => h.Path == "/flaky").Id.ShouldBe(got.First(h => h.Path == "/flaky").Id);
        (await client.PostJsonAsync("/api/v1/webhooks/deliveries/999999999/replay", "{}")).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_subscription_that_keeps_failing_is_disabled_with_an_audit_entry_and_can_be_enabled_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = _ => (400, null);
        using var client = await TenantAsync("wh-disable");
        var (id, _) = await SubscribeAsync(client, receiver.Url("/bad"));
        string[] jobs = [await client.SubmitAsync(Job), await client.SubmitAsync(Job)];
        foreach (var job in jobs)
        {
            await client.WaitForEndAsync(job);
        }

        JsonNode subscription;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            subscription = (await client.GetFromJsonAsync<JsonNode>(Url($"/api/v1/webhooks/{id}")))!;
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        while (subscription["enabled"]!.GetValue<bool>() && clock.Elapsed < TimeSpan.FromSeconds(30));

        subscription["enabled"]!.GetValue<bool>().ShouldBeFalse();
        subscription["disabled_reason"]!.GetValue<string>().ShouldContain("4 failed deliveries");
        await Task.Delay(500, TestContext.Current.CancellationToken);
        var sent = receiver.Received.Count;
        sent.ShouldBeInRange(4, 6, "deliveries keep order per job, so at most one attempt per job (two jobs) was already in flight");
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        receiver.Received.Count.ShouldBe(sent, "nothing is sent to a disabled endpoint");
        // Events already in the outbox fail as 'subscription disabled'; later ones are not written for a disabled endpoint.
        int pending;
        clock.Restart();
        do
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            pending = (await client.GetFromJsonAsync<JsonNode>(Url("/api/v1/webhooks/deliveries?status=pending")))!["total"]!.GetValue<int>();
        }
        while (pending > 0 && clock.Elapsed < TimeSpan.FromSeconds(20));

        pending.ShouldBe(0);
        var all = (await client.GetFromJsonAsync<JsonNode>(Url("/api/v1/webhooks/deliveries")))!["deliveries"]!.AsArray();
        all.ShouldAllBe(d => d!["status"]!.GetValue<string>() == "failed");
        all.Count(d => d!["last_status_code"] != null).ShouldBe(sent);

        using var admin = _server.Client(await _server.CreateKeyAsync("wh-admin", admin: true));
        var audit = await admin.GetFromJsonAsync<JsonNode>(Url("/api/v1/admin/audit?action=webhook.disable"));
        audit!["events"]!.AsArray().ShouldContain(e => e!["target"]!.GetValue<string>() == id);

        using var enable = new HttpRequestMessage(HttpMethod.Patch, Url($"/api/v1/webhooks/{id}")) { Content = JsonContent.Create(new { enabled = true }) };
        var enabled = JsonNode.Parse(await (await client.SendAsync(enable, TestContext.Current.CancellationToken)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        enabled["enabled"]!.GetValue<bool>().ShouldBeTrue();
        enabled["consecutive_failures"]!.GetValue<int>().ShouldBe(0);
    }

    [Fact]
    public async Task A_per_job_webhook_url_gets_the_original_payload_signed_with_the_tenant_job_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = await TenantAsync("wh-job");
        var done = await client.SubmitAsync($$"""{"input":"/storage/input/in.mp4","output":"mp3","webhook_url":"{{receiver.Url("/done")}}"}""");
        var broken = await client.SubmitAsync(JobClient.Json(new { input = "/storage/input/broken.mp4", output = "mp3", options = new { webhook_url = receiver.Url("/err"), webhook_events = new[] { "error", "complete" } } }));
        var hooks = await receiver.WaitForAsync(r => r.Count >= 2);
        await client.WaitForEndAsync(done);
        await client.WaitForEndAsync(broken);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        receiver.Received.Count.ShouldBe(2, "default events are complete and error only");

        var complete = Body(hooks.Single(h => h.Path == "/done"));
        complete["event"]!.GetValue<string>().ShouldBe("complete");
        complete["job_id"]!.GetValue<string>().ShouldBe(done);
        complete["data"]!["status"]!.GetValue<string>().ShouldBe("completed");
        complete["timestamp"].ShouldNotBeNull();
        var error = Body(hooks.Single(h => h.Path == "/err"));
        error["event"]!.GetValue<string>().ShouldBe("error");
        error["data"]!["error"]!["code"].ShouldNotBeNull();

        var secret = (await client.GetFromJsonAsync<JsonNode>(Url("/api/v1/webhooks/job-secret")))!["secret"]!.GetValue<string>();
        hooks.ShouldAllBe(h => Verifies(secret, h));
    }

    [Fact]
    public async Task A_rotated_secret_signs_beside_the_previous_one_during_the_overlap()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = await TenantAsync("wh-rotate");
        var (id, old) = await SubscribeAsync(client, receiver.Url(), "job.completed");
        var (status, rotated) = await client.PostJsonAsync($"/api/v1/webhooks/{id}/rotate-secret", "{}");
        status.ShouldBe(HttpStatusCode.OK);
        var fresh = rotated!["secret"]!.GetValue<string>();
        fresh.ShouldNotBe(old);
        rotated["previous_secret"]!.GetValue<string>().ShouldBe(old);
        await client.SubmitAsync(Job);
        var hook = (await receiver.WaitForAsync(r => r.Count >= 1)).Single();
        hook.Signature.Split(' ').Length.ShouldBe(2);
        Verifies(fresh, hook).ShouldBeTrue();
        Verifies(old, hook).ShouldBeTrue();
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://[::1]:9/hook")]
    [InlineData("http://localhost:9/hook")]
    [InlineData("http://127.0.0.2:9/hook")]
    [InlineData("http://[::ffff:192.168.0.1]/hook")]
    [InlineData("file:///etc/passwd")]
    public async Task Private_metadata_and_loopback_targets_outside_the_allowlist_are_refused(string url)
    {
        using var client = await TenantAsync("wh-ssrf");
        var (status, body) = await client.PostJsonAsync("/api/v1/webhooks", JobClient.Json(new { url }));
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        body!["errors"]!["url"].ShouldNotBeNull();
        var (jobStatus, job) = await client.PostJsonAsync("/api/v1/convert", JobClient.Json(new { input = "/storage/input/in.mp4", output = "mp3", webhook_url = url }));
        jobStatus.ShouldBe(HttpStatusCode.UnprocessableEntity);
        job!["errors"]!["webhook_url"].ShouldNotBeNull();
    }

    [Fact]
    public async Task Bad_webhook_fields_are_named()
    {
        using var client = await TenantAsync("wh-fields");
        var (s1, b1) = await client.PostJsonAsync("/api/v1/webhooks", """{"url":"http://127.0.0.1:9/x","events":["job.exploded"]}""");
        s1.ShouldBe(HttpStatusCode.UnprocessableEntity);
        b1!["errors"]!["events"].ShouldNotBeNull();
        var (s2, b2) = await client.PostJsonAsync("/api/v1/webhooks", """{"events":["job.completed"],"secret":"mine"}""");
        s2.ShouldBe(HttpStatusCode.UnprocessableEntity);
        b2!["errors"]!["url"].ShouldNotBeNull();
        b2["errors"]!["secret"].ShouldNotBeNull();
        var (s3, b3) = await client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/in.mp4","output":"mp3","options":{"webhook_events":["complete"]}}""");
        s3.ShouldBe(HttpStatusCode.UnprocessableEntity);
        b3!["errors"]!["options.webhook_events"].ShouldNotBeNull();
        var (s4, b4) = await client.PostJsonAsync("/api/v1/convert", """{"input":"/storage/input/in.mp4","output":"mp3","webhook_url":"http://127.0.0.1:9/x","webhook_events":["done"]}""");
        s4.ShouldBe(HttpStatusCode.UnprocessableEntity);
        b4!["errors"]!["webhook_events"].ShouldNotBeNull();
        (await client.DeleteAsync(Url("/api/v1/webhooks/wh_nope"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
