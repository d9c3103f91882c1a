using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// The served OpenAPI document must equal the committed docs/openapi.json, so every API change is a reviewed diff.
/// After a deliberate change: <c>UPDATE_SNAPSHOTS=1 dotnet test --project tests/FfmpegApi.Tests --filter-class "*OpenApiSnapshotTests"</c>.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class OpenApiSnapshotTests(ServerFixture fixture)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    [Fact]
    public async Task Served_document_matches_the_committed_snapshot()
    {
        using var client = fixture.Server.Client();
        var served = (await client.GetFromJsonAsync<JsonNode>(new Uri("/openapi/v1.json", UriKind.Relative)))!;
        // A server the framework adds for the request (the test server's random port) is not part of the contract.
        var servers = served["servers"]?.AsArray();
        foreach (var random in servers?.Where(s => s?["url"]?.GetValue<string>().StartsWith("http", StringComparison.Ordinal) == true).ToList() ?? [])
        {
            servers!.Remove(random);
        }

        var actual = served.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";
        var path = SnapshotPath();
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            await File.WriteAllTextAsync(path, actual);
        }

        File.Exists(path).ShouldBeTrue("docs/openapi.json is missing; run with UPDATE_SNAPSHOTS=1 and commit it");
        var expected = await File.ReadAllTextAsync(path);
        if (actual != expected)
        {
            Assert.Fail("The API changed. If deliberate, regenerate docs/openapi.json (UPDATE_SNAPSHOTS=1) and commit the diff.\n" + FirstDifference(expected, actual));
        }
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var i = 0;
        while (i < e.Length && i < a.Length && e[i] == a[i])
        {
            i++;
        }

        var from = Math.Max(0, i - 3);
        return $"first difference at line {i + 1}:\n--- committed\n{string.Join('\n', e.Skip(from).Take(8))}\n+++ served\n{string.Join('\n', a.Skip(from).Take(8))}";
    }

    private static string SnapshotPath([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "docs", "openapi.json"));
}
