using System.Net;
using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary><c>GET /api/v1/admin/workers</c>: the registry of worker processes, their heartbeats, capabilities and running jobs.</summary>
[Collection(ServerCollection.Name)]
public sealed class AdminWorkersTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    [Fact]
    public async Task Admins_see_this_process_worker_alive_with_its_capabilities_and_running_job()
    {
        using var admin = _server.Client(await _server.CreateKeyAsync("workers-admin", admin: true));
        using var user = _server.Client(await _server.CreateKeyAsync("workers-user"));
        (await user.GetAsync(new Uri("/api/v1/admin/workers", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var id = await user.SubmitAsync("""{"input":"/storage/input/long.mp4","output":{"format":"mp4","video":{"preset":"veryslow"}}}""");
        await user.WaitForAsync(id, TimeSpan.FromSeconds(30), "processing");
        JsonNode? mine = null;
        for (var i = 0; i < 50 && mine is null; i++)
        {
            var list = (await admin.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/admin/workers", UriKind.Relative)))!;
            mine = list["workers"]!.AsArray().FirstOrDefault(w => w!["running_jobs"]!.AsArray().Any(j => j!.GetValue<string>() == id));
            if (mine is null)
            {
                await Task.Delay(100);
            }
        }

        mine.ShouldNotBeNull("the worker running the job lists it");
        mine["status"]!.GetValue<string>().ShouldBe("alive");
        mine["concurrency"]!.GetValue<int>().ShouldBe(2);
        mine["process_id"]!.GetValue<int>().ShouldBe(Environment.ProcessId);
        mine["capabilities"]!["ffmpeg"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        mine["capabilities"]!["encoders"]!.GetValue<int>().ShouldBeGreaterThan(10);
        mine["heartbeat_at"]!.GetValue<DateTime>().ShouldBeGreaterThanOrEqualTo(mine["started_at"]!.GetValue<DateTime>());
        (await user.DeleteAsync(new Uri($"/api/v1/jobs/{id}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
