using System.Net;
using System.Text.Json.Nodes;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// The original API's batch body (<c>{ jobs: [{ input, output, operations, options, priority }], batch_name, webhook_url,
/// webhook_events, validate_files }</c>): recognised by its shape, run as a partial batch of convert jobs, answered with
/// the original's fields (and ours), and its mistakes named as its client wrote them.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class OriginalBatchTests(ServerFixture fixture)
{
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    [Fact]
    public async Task The_valid_jobs_are_created_and_the_others_are_warnings_with_their_fields()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tag = Guid.NewGuid().ToString("N");
        var (status, answer) = await _client.PostJsonAsync("/api/v1/batch", $$$"""
            {"jobs":[
               {"input":"/storage/input/short.mp4","output":"/storage/output/ob-{{{tag}}}-1.mp4","operations":[{"type":"transcode","params":{"video_codec":"h264","preset":"ultrafast"}}]},
               {"input":"/storage/input/missing.mp4","output":"/storage/output/ob-{{{tag}}}-2.mp4"},
               {"input":"/storage/input/short.mp4","output":"/storage/output/ob-{{{tag}}}-3.webm","operations":[{"type":"trim","duration":1}],"priority":"high"}],
             "batch_name":"Daily Processing","webhook_url":"{{{receiver.Url()}}}","webhook_events":["complete"],"validate_files":true}
            """);
        status.ShouldBe(HttpStatusCode.Accepted, answer?.ToJsonString());
        answer!["total_jobs"]!.GetValue<int>().ShouldBe(2);
        answer["batch_name"]!.GetValue<string>().ShouldBe("Daily Processing");
        answer["batch_id"]!.GetValue<string>().ShouldBe(answer["batch"]!["id"]!.GetValue<string>());
        var cost = answer["estimated_cost"]!;
        (cost["jobs_created"]!.GetValue<int>(), cost["jobs_failed"]!.GetValue<int>(), cost["credits"]!.GetValue<int>()).ShouldBe((2, 1, 0));
        var warning = answer["warnings"]!.AsArray().ShouldHaveSingleItem()!.GetValue<string>();
        warning.ShouldStartWith("Job 2 failed to create: jobs[1].input:");
        answer["rejected"]![0]!["errors"]!.AsObject().ContainsKey("jobs[1].input").ShouldBeTrue();

        var jobs = answer["jobs"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()).ToList();
        foreach (var id in jobs)
        {
            (await _client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("completed");
        }

        (await _client.GetJobAsync(jobs[1]))["priority"]!.GetValue<string>().ShouldBe("high");
        // The batch's webhook reaches each job's completion, in the original's per-job payload ({ event, job_id, … }).
        var delivered = await receiver.WaitForAsync(r => jobs.All(id => r.Any(h => h.Body.Contains(id, StringComparison.Ordinal))), 30);
        delivered.Select(d => JsonNode.Parse(d.Body)!["job_id"]?.GetValue<string>()).Where(id => id is not null && jobs.Contains(id)).Distinct().Count().ShouldBe(2);
    }

    [Theory]
    [InlineData("""{"jobs":[{"input":"/storage/input/missing.mp4","output":"mp4"}],"batch_name":"x"}""", "jobs[0].input")]
    [InlineData("""{"jobs":[{"input":"/storage/input/short.mp4","output":"mp4","operations":[{"type":"spin"}]}]}""", "jobs[0].operations[0].type")]
    [InlineData("""{"jobs":[{"input":"/storage/input/short.mp4","output":"mp4"}],"batch_name":"x","urgent":true}""", "urgent")]
    [InlineData("""{"jobs":[{"input":"/storage/input/short.mp4","output":"mp4"}],"validate_files":"yes"}""", "validate_files")]
    public async Task A_batch_that_creates_nothing_is_a_422_naming_the_field_as_written(string body, string field)
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/batch", body);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["errors"]![field].ShouldNotBeNull(problem.ToJsonString());
    }
}
