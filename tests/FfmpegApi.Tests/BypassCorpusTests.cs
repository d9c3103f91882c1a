using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Auth;
using FfmpegApi.Core.Data;
using FfmpegApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FfmpegApi.Tests;

/// <summary>
/// The security issue's corpus of bypass attempts, each of which must fail: keys that are not live, scope and tenant
/// escalation, address tricks (real requests from other loopback addresses), spoofed forwarding headers, paths out of
/// the mounts, non-file protocols, and filter injection through text. All traffic stays on 127.0.0.0/8.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class BypassCorpusTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    private static Uri Url(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task Keys_that_are_not_live_keys_all_get_401()
    {
        using var admin = _server.Client(await _server.CreateKeyAsync("corpus-root", admin: true));
        var live = await _server.CreateKeyAsync("corpus-live");
        var (revokedId, revoked) = await CreateAsync(admin, "revoked");
        (await admin.DeleteAsync(Url($"/api/v1/admin/keys/{revokedId}"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var (expiredId, expired) = await CreateAsync(admin, "expired");
        await using (var scope = _server.App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().ApiKeys.Where(k => k.Id == expiredId)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.ExpiresAt, TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(-1)), TestContext.Current.CancellationToken);
        }

        var (rotatedId, rotatedOut) = await CreateAsync(admin, "rotated");
        (await admin.PostAsync(Url($"/api/v1/admin/keys/{rotatedId}/rotate?overlap_seconds=0"), null)).StatusCode.ShouldBe(HttpStatusCode.Created);
        var prefix = live[..live.LastIndexOf('_')];
        string[] corpus =
        [
            "x", "fa_", "fa__", "null", "' OR '1'='1", new string('a', 5000),
            $"fa_{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..12]}_{Convert.ToBase64String(Guid.NewGuid().ToByteArray())}",
            prefix + "_" + new string('A', live.Length - prefix.Length - 1), // a real prefix with a wrong secret
            live[..^1], live + "x", live[..^1] + (live[^1] == 'a' ? 'b' : 'a'), live.ToUpperInvariant(), " " + live + " x",
            revoked, expired, rotatedOut,
        ];

        foreach (var key in corpus)
        {
            using var client = _server.Client();
            using var request = new HttpRequestMessage(HttpMethod.Get, Url("/api/v1/jobs"));
            request.Headers.TryAddWithoutValidation("X-API-Key", key);
            using var response = await client.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, key.Length > 60 ? key[..60] : key);
        }

        foreach (var header in new[] { "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(live)), "Bearer", "Bearer " + revoked, "Bearer  " + expired, live })
        {
            using var client = _server.Client();
            using var request = new HttpRequestMessage(HttpMethod.Get, Url("/api/v1/jobs"));
            request.Headers.TryAddWithoutValidation("Authorization", header);
            (await client.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, header.Split(' ')[0]);
        }

        using var good = _server.Client(live);
        (await good.GetAsync(Url("/api/v1/jobs"))).StatusCode.ShouldBe(HttpStatusCode.OK, "the live key itself works");
    }

    [Fact]
    public async Task Scopes_and_tenants_cannot_be_escalated()
    {
        using var admin = _server.Client(await _server.CreateKeyAsync("corpus-admin", admin: true));
        var (_, readerSecret) = await CreateAsync(admin, "reader", """["jobs:read"]""");
        using var reader = _server.Client(readerSecret);
        using var owner = _server.Client(await _server.CreateKeyAsync("owner", tenant: "tenant-a"));
        using var intruder = _server.Client(await _server.CreateKeyAsync("intruder", tenant: "tenant-b"));
        var id = await owner.SubmitAsync("""{"input":"/storage/input/short.mp4","output":"mp3"}""");

        // A read-only or tenant key reaching for more.
        (await reader.PostAsync(Url("/api/v1/convert"), JsonContent.Create(new { input = "/storage/input/short.mp4", output = "mp3" }))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        foreach (var path in new[] { "/api/v1/admin/keys", "/api/v1/admin/audit", "/api/v1/admin/workers" })
        {
            (await owner.GetAsync(Url(path))).StatusCode.ShouldBe(HttpStatusCode.Forbidden, path);
        }

        (await owner.PostAsync(Url("/api/v1/admin/keys"), JsonContent.Create(new { name = "mine", admin = true }))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // Another tenant's job does not exist for the intruder, whichever way it asks.
        foreach (var path in new[] { $"/api/v1/jobs/{id}", $"/api/v1/jobs/{id}/logs", $"/api/v1/jobs/{id}/output", $"/api/v1/jobs/{id}/events", $"/api/v1/jobs/{id.ToUpperInvariant()}" })
        {
            (await intruder.GetAsync(Url(path))).StatusCode.ShouldBe(HttpStatusCode.NotFound, path);
        }

        (await intruder.DeleteAsync(Url($"/api/v1/jobs/{id}"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var listed = await intruder.GetFromJsonAsync<JsonNode>(Url("/api/v1/jobs?tenant=tenant-a&per_page=100"));
        listed!["jobs"]!.AsArray().ShouldNotContain(j => j!["id"]!.GetValue<string>() == id);
        var (batch, problem) = await intruder.PostJsonAsync("/api/v1/batch", JobClient.Json(new
        {
            jobs = new object[] { new { type = "thumbnails", depends_on = new[] { id }, request = new { input = "/storage/input/short.mp4", count = 1 } } },
        }));
        batch.ShouldBe(HttpStatusCode.UnprocessableEntity, "a batch may only depend on its own entries");
        problem!["errors"].ShouldNotBeNull();

        // The same Idempotency-Key from another tenant is a different request, never a replay of the owner's job.
        const string Body = """{"input":"/storage/input/short.mp4","output":"mp3"}""";
        var mine = await SubmitWithKeyAsync(owner, Body, "corpus-idem");
        var theirs = await SubmitWithKeyAsync(intruder, Body, "corpus-idem");
        theirs.ShouldNotBe(mine);
        (await owner.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("completed");
    }

    [Fact]
    public async Task Address_prefix_tricks_and_spoofed_forwarding_headers_are_refused()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?>
        {
            ["Security:AllowedNetworks:0"] = "127.0.0.1/32",
            ["Worker:Enabled"] = "false",
        });
        var key = await server.CreateKeyAsync("net");

        // 127.0.0.10 starts with "127.0.0.1" — the original's startswith check let it in. A real request from it.
        using var fromTen = ClientFrom(server, IPAddress.Parse("127.0.0.10"), key);
        (await fromTen.GetAsync(Url("/api/v1/jobs"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var fromOne = ClientFrom(server, IPAddress.Parse("127.0.0.1"), key);
        (await fromOne.GetAsync(Url("/api/v1/jobs"))).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Headers claiming to be the allowed address, sent by a peer that is no trusted proxy.
        foreach (var (name, value) in new[]
        {
            ("X-Forwarded-For", "127.0.0.1"), ("X-Forwarded-For", "127.0.0.1, 127.0.0.1"), ("Forwarded", "for=127.0.0.1"),
            ("X-Real-IP", "127.0.0.1"), ("X-Client-IP", "127.0.0.1"), ("X-Forwarded-For", "::ffff:127.0.0.1"),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Url("/api/v1/jobs"));
            request.Headers.TryAddWithoutValidation(name, value);
            (await fromTen.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.Forbidden, $"{name}: {value}");
        }
    }

    [Fact]
    public async Task Paths_out_of_the_mounts_and_other_protocols_are_refused()
    {
        using var client = _server.Client(fixture.UserKey);
        var input = Path.Combine(_server.StorageRoot, "input");
        var linkToFile = Path.Combine(input, "corpus-passwd.mp4");
        var linkToDir = Path.Combine(input, "corpus-etc");
        if (!File.Exists(linkToFile))
        {
            File.CreateSymbolicLink(linkToFile, "/etc/passwd");
            Directory.CreateSymbolicLink(linkToDir, "/etc");
        }

        string[] inputs =
        [
            "/storage/../etc/passwd", "/storage/input/../../../etc/passwd", "/storage//..//..//etc/passwd", "/storage/./input/short.mp4",
            "\\storage\\..\\..\\etc\\passwd", "/storage/input/short.mp4\u0000.txt", "//etc/passwd", "/etc/passwd", "/proc/self/environ",
            "/dev/zero", "/storage/input/corpus-passwd.mp4", "/storage/input/corpus-etc/passwd", "storage/input/short.mp4",
            "file:/etc/passwd", "file:///etc/passwd", "concat:/storage/input/short.mp4|/etc/passwd", "subfile:,start,0,end,0,,:/etc/passwd",
            "pipe:0", "data:video/mp4;base64,AAAA", "tcp://127.0.0.1:9/", "http://127.0.0.1:9/x.mp4", "http://[::1]:9/x.mp4",
            "https://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/", "gopher://127.0.0.1:9/",
        ];
        foreach (var path in inputs)
        {
            var (status, body) = await client.PostJsonAsync("/api/v1/convert", JobClient.Json(new { input = path, output = "mp4" }));
            status.ShouldBe(HttpStatusCode.UnprocessableEntity, path);
            body!["errors"]!["input"].ShouldNotBeNull(path);
            body.ToJsonString().ShouldNotContain(_server.DataDir);
        }

        foreach (var path in new[] { "/storage/../x.mp4", "/tmp/x.mp4", "/storage/input/corpus-etc/x.mp4", "/storage/output/../../x.mp4" })
        {
            var (status, body) = await client.PostJsonAsync("/api/v1/convert", JobClient.Json(new { input = "/storage/input/short.mp4", output = path }));
            status.ShouldBe(HttpStatusCode.UnprocessableEntity, path);
            body!["errors"]!["output.path"].ShouldNotBeNull(path);
        }

        // Crafted files inside the mount: a concat list naming a file outside it (ffmpeg's concat demuxer is not allowed).
        await File.WriteAllTextAsync(Path.Combine(input, "corpus-list.mp4"), "ffconcat version 1.0\nfile '/etc/passwd'\n");
        var id = await client.SubmitAsync("""{"input":"/storage/input/corpus-list.mp4","output":"mp4"}""");
        var failed = await client.WaitForEndAsync(id);
        failed["status"]!.GetValue<string>().ShouldBe("failed");
        failed["error"]!["code"]!.GetValue<string>().ShouldBe("INVALID_INPUT");
    }

    [Fact]
    public async Task Filter_injection_through_text_is_drawn_as_text()
    {
        using var client = _server.Client(fixture.UserKey);

        // Unescaped, each would end the drawtext options and add textfile= (ffmpeg refuses text and textfile together),
        // close the filter and chain another, or read a file through movie=.
        string[] payloads =
        [
            "x:textfile=/etc/passwd", "x',textfile='/etc/passwd", "x[out];movie=/etc/passwd[m];[m]null", "a\\:b\\'c;d,e=f",
            "%{eif\\:1/0\\:d}", "%{pts}", "\n:fontfile=/etc/passwd",
        ];
        var ids = new List<string>();
        foreach (var text in payloads)
        {
            ids.Add(await client.SubmitAsync(JobClient.Json(new
            {
                input = "/storage/input/short.mp4",
                output = new { format = "mp4", video = new { preset = "ultrafast" } },
                operations = new object[] { new { type = "trim", duration = 0.5 }, new { type = "text", text } },
            })));
        }

        foreach (var (id, text) in ids.Zip(payloads))
        {
            var done = await client.WaitForEndAsync(id);
            done["status"]!.GetValue<string>().ShouldBe("completed", $"{text}: {done.ToJsonString()}");
        }
    }

    private static async Task<(string Id, string Secret)> CreateAsync(HttpClient admin, string name, string scopes = """["jobs:read","jobs:write"]""")
    {
        var (status, body) = await admin.PostJsonAsync("/api/v1/admin/keys", $$"""{"name":"{{name}}","scopes":{{scopes}}}""");
        status.ShouldBe(HttpStatusCode.Created, body?.ToJsonString());
        return (body!["key"]!["id"]!.GetValue<string>(), body["secret"]!.GetValue<string>());
    }

    private static async Task<string> SubmitWithKeyAsync(HttpClient client, string body, string idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url("/api/v1/convert")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await client.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["job"]!["id"]!.GetValue<string>();
    }

    /// <summary>A client whose connections leave from <paramref name="source"/> (another loopback address).</summary>
    private static HttpClient ClientFrom(ApiServer server, IPAddress source, string key)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        return client;
    }
}
