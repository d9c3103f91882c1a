using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// Every request example in the original API's own documentation (TestData/original/API.md: its JSON request bodies
/// and its curl examples) is accepted here and its job completes. The examples are read from the document, so one the
/// original adds runs too. Three rewrites, all of places, not of shapes: an <c>s3://bucket/…</c> input is read from
/// local storage (no object store is reachable here), each example writes under an output directory of its own (the
/// test server is shared), and a webhook goes to a receiver on loopback instead of <c>your-app.com</c>.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed partial class OriginalExamplesTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    [GeneratedRegex(@"```json\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    [GeneratedRegex(@"curl -X POST ""?http://localhost:8000/api/v1/(?<endpoint>\w+).*?-d '(?<body>.*?)'", RegexOptions.Singleline)]
    private static partial Regex CurlPost();

    [GeneratedRegex(@"POST /api/v1/(?<endpoint>\w+)")]
    private static partial Regex PostLine();

    [GeneratedRegex(@"""(?<path>/storage/(?:input|reference|assets)/[^""]+)""|""(?:input|reference|image|watermark_path)"":\s*""(?<path>/storage/[^""]+)""")]
    private static partial Regex InputPath();

    /// <summary>(endpoint, body) of each request example, in document order.</summary>
    public static IReadOnlyList<(string Endpoint, string Body)> Examples()
    {
        var doc = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "original", "API.md"));
        var examples = new List<(int At, string Endpoint, string Body)>();
        foreach (Match block in JsonBlock().Matches(doc))
        {
            // A request body has an input; answers (job, estimated, error, event) do not.
            if (JsonNode.Parse(block.Groups["body"].Value) is JsonObject body && body.ContainsKey("input")
                && PostLine().Matches(doc[..block.Index]).LastOrDefault() is { } post)
            {
                examples.Add((block.Index, post.Groups["endpoint"].Value, block.Groups["body"].Value));
            }
        }

        examples.AddRange(CurlPost().Matches(doc).Select(m => (m.Index, m.Groups["endpoint"].Value, m.Groups["body"].Value)));
        return [.. examples.OrderBy(e => e.At).Select(e => (e.Endpoint, e.Body))];
    }

    [Fact]
    public async Task Every_request_example_of_the_originals_documentation_is_accepted_and_completes()
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "request shapes and media do not depend on the database: the SQLite pass runs it");
        var examples = Examples();
        examples.Count.ShouldBeGreaterThanOrEqualTo(9);
        examples.Select(e => e.Endpoint).Distinct().Order(StringComparer.Ordinal).ShouldBe(["analyze", "batch", "convert", "estimate", "stream"]);
        await PrepareInputsAsync(examples);
        await using var receiver = await WebhookReceiver.StartAsync();

        var failures = new List<string>();
        for (var i = 0; i < examples.Count; i++)
        {
            var (endpoint, original) = examples[i];
            var body = original.Replace("s3://bucket/input/", "/storage/input/", StringComparison.Ordinal)
                .Replace("/storage/output/", $"/storage/output/original-{i}/", StringComparison.Ordinal)
                .Replace("https://your-app.com/webhook", receiver.Url(), StringComparison.Ordinal);
            var (status, answer) = await _client.PostJsonAsync($"/api/v1/{endpoint}", body);
            var expected = endpoint == "estimate" ? HttpStatusCode.OK : HttpStatusCode.Accepted;
            if (status != expected)
            {
                failures.Add($"POST /{endpoint} {original.Trim()}\n  → {(int)status} {answer?.ToJsonString()}");
                continue;
            }

            List<string> ids = answer!["job"]?["id"]?.GetValue<string>() is { } one ? [one] : answer["jobs"]?.AsArray().Select(j => j!["id"]!.GetValue<string>()).ToList() ?? [];
            if (endpoint == "batch" && (answer["total_jobs"]?.GetValue<int>() != ids.Count || ids.Count == 0))
            {
                failures.Add($"POST /batch {original.Trim()}\n  → {answer.ToJsonString()}");
            }

            foreach (var id in ids)
            {
                var done = await _client.WaitForEndAsync(id);
                if (done["status"]!.GetValue<string>() != "completed")
                {
                    failures.Add($"POST /{endpoint} {original.Trim()}\n  → job {done["status"]}: {done["error"]?.ToJsonString()}");
                }
            }
        }

        failures.ShouldBeEmpty(string.Join("\n\n", failures));
    }

    [Fact]
    public async Task Audio_normalize_adds_a_loudness_pass_and_presigned_credentials_use_the_servers_own_access()
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "request shapes and media do not depend on the database: the SQLite pass runs it");
        await PrepareInputsAsync(Examples());
        var id = await _client.SubmitAsync("""
            {"input": {"path": "/storage/input/video.mov", "credentials": "presigned"},
             "output": {"path": "/storage/output/normalized.mp4", "format": "mp4", "audio": {"codec": "aac", "normalize": true}}}
            """);
        var job = await _client.GetJobAsync(id);
        job["operations"]!.AsArray().Select(o => o!["type"]!.GetValue<string>()).ShouldBe(["normalize"]);
        (await _client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("completed");
        var logs = await _client.GetStringAsync(new Uri($"/api/v1/jobs/{id}/logs", UriKind.Relative), TestContext.Current.CancellationToken);
        logs.ShouldContain("loudnorm");

        foreach (var (body, field) in new[]
        {
            ("""{"input":"/storage/input/video.mov","output":{"format":"mp4","audio":{"normalize":"yes"}}}""", "output.audio.normalize"),
            ("""{"input":"/storage/input/video.mov","outputs":[{"format":"mp4","audio":{"normalize":true}}]}""", "outputs[0].audio.normalize"),
            ("""{"input":{"path":"/storage/input/video.mov","credentials":"signed"},"output":"mp4"}""", "input.credentials"),
        })
        {
            var (status, answer) = await _client.PostJsonAsync("/api/v1/convert", body);
            status.ShouldBe(HttpStatusCode.UnprocessableEntity, body);
            answer!["errors"]![field].ShouldNotBeNull(answer.ToJsonString());
        }
    }

    [GeneratedRegex(@"""(?:start|timestamp)"":\s*(?<seconds>\d+)")]
    private static partial Regex TrimStart();

    /// <summary>
    /// The media each example names, made once: a 480p clip (the lowest rung of the examples' ladders) 2 s longer than the
    /// latest trim start or thumbnail timestamp of the examples that read it; a PNG for an image.
    /// </summary>
    private async Task PrepareInputsAsync(IEnumerable<(string Endpoint, string Body)> examples)
    {
        var needs = examples.Select(e => e.Body.Replace("s3://bucket/input/", "/storage/input/", StringComparison.Ordinal))
            .SelectMany(body => InputPath().Matches(body).Select(m => (Path: m.Groups["path"].Value, Seconds: 2 + TrimStart().Matches(body).Select(t => int.Parse(t.Groups["seconds"].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max())))
            .GroupBy(n => n.Path, StringComparer.Ordinal).Select(g => (Path: g.Key, Seconds: g.Max(n => n.Seconds)));
        foreach (var (path, seconds) in needs)
        {
            var physical = Path.Combine(_server.StorageRoot, path["/storage/".Length..]);
            if (File.Exists(physical))
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(physical)!);
            if (path.EndsWith(".png", StringComparison.Ordinal))
            {
                await TestMedia.ImageAsync(physical, "white", 64, 32);
            }
            else
            {
                await TestMedia.GenerateAsync(physical, seconds, "854x480");
            }
        }
    }
}
