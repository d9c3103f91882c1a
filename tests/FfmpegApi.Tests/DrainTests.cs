using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Tests;

/// <summary>Graceful drain on stop: no new claims, running jobs finish within Worker:DrainSeconds, the rest are handed back.</summary>
public sealed class DrainTests
{
    private static async Task<Job> RowAsync(ApiServer server, string id)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Jobs.AsNoTracking().SingleAsync(j => j.Id == id);
    }

    [Fact]
    public async Task A_running_job_finishes_during_the_drain_and_a_queued_one_is_not_started()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?> { ["Worker:DrainSeconds"] = "60", ["Worker:Concurrency"] = "1" });
        await TestMedia.GenerateAsync(Path.Combine(server.StorageRoot, "input", "in.mp4"), 6, "640x360");
        using var client = server.Client(await server.CreateKeyAsync("drain"));
        var running = await client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":{"format":"mp4","video":{"preset":"medium"}}}""");
        var waiting = await client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":"mp3"}""");
        await client.WaitForAsync(running, TimeSpan.FromSeconds(30), "processing");

        (await RowAsync(server, running)).Status.ShouldBe(JobStatus.Running, "the stop must come while the encode runs");
        await server.App.StopAsync();
        var finished = await RowAsync(server, running);
        finished.Status.ShouldBe(JobStatus.Completed, finished.ErrorMessage);
        File.Exists(server.Physical($"/storage/output/{running}.mp4")).ShouldBeTrue();
        var left = await RowAsync(server, waiting);
        left.Status.ShouldBe(JobStatus.Queued);
        left.Attempts.ShouldBe(0);
    }

    [Fact]
    public async Task A_job_still_running_when_the_drain_ends_is_handed_back_without_counting_an_attempt()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?> { ["Worker:DrainSeconds"] = "1", ["Worker:Concurrency"] = "1" });
        await TestMedia.GenerateAsync(Path.Combine(server.StorageRoot, "input", "long.mp4"), 60, "640x360");
        using var client = server.Client(await server.CreateKeyAsync("drain"));
        var id = await client.SubmitAsync("""{"input":"/storage/input/long.mp4","output":{"format":"mp4","video":{"preset":"veryslow"}}}""");
        await client.WaitForAsync(id, TimeSpan.FromSeconds(30), "processing");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await server.App.StopAsync();
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20));
        var row = await RowAsync(server, id);
        row.Status.ShouldBe(JobStatus.Queued);
        row.Attempts.ShouldBe(0);
        row.LeaseOwner.ShouldBeNull();
        File.Exists(server.Physical($"/storage/output/{id}.mp4")).ShouldBeFalse();
    }
}
