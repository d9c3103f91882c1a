using System.Net;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>POST /jobs/{id}/retry: a failed, dead or cancelled job submitted again as a new job.</summary>
[Collection(ServerCollection.Name)]
public sealed class JobRetryEndpointTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_failed_job_is_retried_as_a_new_job_that_can_succeed_and_other_states_are_refused()
    {
        var input = Path.Combine(fixture.Server.StorageRoot, "input", "later.mp4");
        await File.WriteAllTextAsync(input, "not yet a video", TestContext.Current.CancellationToken);
        using var client = fixture.Server.Client(fixture.UserKey);
        var failed = await client.SubmitAsync("""{"input":"/storage/input/later.mp4","output":{"format":"mp3"}}""");
        (await client.WaitForEndAsync(failed))["status"]!.GetValue<string>().ShouldBe("failed");

        // The input is fixed; the retry runs the same request as a new job.
        File.Delete(input);
        await TestMedia.GenerateAsync(input, 1);
        var (status, body) = await client.PostJsonAsync($"/api/v1/jobs/{failed}/retry", "{}");
        status.ShouldBe(HttpStatusCode.Accepted);
        var retried = body!["job"]!["id"]!.GetValue<string>();
        retried.ShouldNotBe(failed);
        body["warnings"]![0]!.GetValue<string>().ShouldBe($"retry of job {failed}");
        var done = await client.WaitForEndAsync(retried);
        done["status"]!.GetValue<string>().ShouldBe("completed");
        done["output"]!["path"]!.GetValue<string>().ShouldBe((await client.GetJobAsync(failed))["output"]!["path"]!.GetValue<string>());
        (await TestMedia.ProbeAsync(fixture.Server.Physical(done["output"]!["path"]!.GetValue<string>()))).FirstAudio!.CodecName.ShouldBe("mp3");
        (await client.GetJobAsync(failed))["status"]!.GetValue<string>().ShouldBe("failed", "the old job is unchanged");

        // A completed job is not retried; another tenant's job is not found.
        var (again, problem) = await client.PostJsonAsync($"/api/v1/jobs/{retried}/retry", "{}");
        again.ShouldBe(HttpStatusCode.Conflict);
        problem!["code"]!.GetValue<string>().ShouldBe("JOB_NOT_RETRYABLE");
        using var other = fixture.Server.Client(await fixture.Server.CreateKeyAsync("other-tenant"));
        (await other.PostJsonAsync($"/api/v1/jobs/{failed}/retry", "{}")).Status.ShouldBe(HttpStatusCode.NotFound);
    }
}
