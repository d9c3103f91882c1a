using System.Net;
using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>The original API's public probes: /api/v1/health, /api/v1/health/detailed, and public capabilities.</summary>
[Collection(ServerCollection.Name)]
public sealed class HealthTests(ServerFixture fixture)
{
    [Fact]
    public async Task Health_summary_is_public_and_lists_components()
    {
        using var anonymous = fixture.Server.Client();
        using var response = await anonymous.GetAsync(new Uri("/api/v1/health", UriKind.Relative));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        body["status"]!.GetValue<string>().ShouldBeOneOf("healthy", "degraded");
        body["version"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        body["timestamp"].ShouldNotBeNull();
        var components = body["components"]!.AsObject();
        components.Select(c => c.Key).ShouldBe(["database", "queue", "storage", "ffmpeg"], ignoreOrder: true);
        components["database"]!.GetValue<string>().ShouldBe("healthy");
        components["ffmpeg"]!.GetValue<string>().ShouldBe("healthy");
    }

    [Fact]
    public async Task Detailed_health_names_types_and_versions_but_no_paths_or_secrets()
    {
        using var anonymous = fixture.Server.Client();
        using var response = await anonymous.GetAsync(new Uri("/api/v1/health/detailed", UriKind.Relative));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync();
        text.ShouldNotContain(fixture.Server.DataDir);
        text.ShouldNotContain("Data Source", Case.Insensitive);
        text.ShouldNotContain("fa_");
        var components = JsonNode.Parse(text)!["components"]!;
        components["database"]!["type"]!.GetValue<string>().ShouldBe(TestDatabase.IsPostgres ? "postgres" : "sqlite");
        components["database"]!["latency_ms"]!.GetValue<double>().ShouldBeGreaterThanOrEqualTo(0);
        components["ffmpeg"]!["version"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        components["queue"]!["detail"]!.GetValue<string>().ShouldContain("queued");
    }

    [Fact]
    public async Task Capabilities_are_public_by_default()
    {
        using var anonymous = fixture.Server.Client();
        using var response = await anonymous.GetAsync(new Uri("/api/v1/capabilities", UriKind.Relative));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

/// <summary>Operators can require a key for detailed health and capabilities.</summary>
public sealed class HealthSettingsTests : IAsyncLifetime
{
    private ApiServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await ApiServer.StartAsync(new Dictionary<string, string?>
    {
        ["Health:DetailedRequiresKey"] = "true",
        ["Api:CapabilitiesRequireKey"] = "true",
        ["Worker:Enabled"] = "false",
    });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Detailed_health_and_capabilities_can_require_a_key()
    {
        using var anonymous = _server.Client();
        foreach (var path in new[] { "/api/v1/health/detailed", "/api/v1/capabilities" })
        {
            using var denied = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
            denied.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, path);
        }

        using var summary = await anonymous.GetAsync(new Uri("/api/v1/health", UriKind.Relative));
        summary.StatusCode.ShouldBe(HttpStatusCode.OK);

        using var keyed = _server.Client(await _server.CreateKeyAsync("ops"));
        foreach (var path in new[] { "/api/v1/health/detailed", "/api/v1/capabilities" })
        {
            using var allowed = await keyed.GetAsync(new Uri(path, UriKind.Relative));
            allowed.StatusCode.ShouldBe(HttpStatusCode.OK, path);
        }
    }
}
