using System.Net;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>Every <c>```json runnable [/endpoint]</c> example in docs/api.md is a job body the server accepts and completes.</summary>
[Collection(ServerCollection.Name)]
public sealed partial class DocsExamplesTests(ServerFixture fixture)
{
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    [GeneratedRegex("```json runnable(?: (?<endpoint>/[a-z]+))?\\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex RunnableBlock();

    [Fact]
    public async Task Runnable_examples_in_the_api_reference_complete()
    {
        var doc = await File.ReadAllTextAsync(ApiReference(), TestContext.Current.CancellationToken);
        var examples = RunnableBlock().Matches(doc).Select(m => (Endpoint: m.Groups["endpoint"].Success ? m.Groups["endpoint"].Value : "/convert", Body: m.Groups["body"].Value)).ToList();
        examples.Count.ShouldBeGreaterThanOrEqualTo(3);
        foreach (var (endpoint, example) in examples)
        {
            var (status, body) = await _client.PostJsonAsync("/api/v1" + endpoint, example);
            status.ShouldBe(HttpStatusCode.Accepted, $"{example}\n{body?.ToJsonString()}");
            var jobs = body!["batch"] is { } batch ? batch["jobs"]!.AsArray().Select(j => j!) : [body["job"]!];
            foreach (var job in jobs)
            {
                var done = await _client.WaitForEndAsync(job["id"]!.GetValue<string>());
                done["status"]!.GetValue<string>().ShouldBe("completed", $"{example}\n{done.ToJsonString()}");
            }
        }
    }

    private static string ApiReference([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "docs", "api.md"));
}
