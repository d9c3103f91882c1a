using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>Thin helpers over the HTTP API as a client would use it.</summary>
public static class JobClient
{
    public static async Task<(HttpStatusCode Status, JsonNode? Body)> PostJsonAsync(this HttpClient client, string url, string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(url, UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Submits a convert job and returns its id (asserting 202).</summary>
    public static Task<string> SubmitAsync(this HttpClient client, string json) => client.SubmitToAsync("/api/v1/convert", json);

    /// <summary>Submits a job to a job-creating endpoint and returns its id (asserting 202).</summary>
    public static async Task<string> SubmitToAsync(this HttpClient client, string url, string json)
    {
        var (status, body) = await client.PostJsonAsync(url, json);
        status.ShouldBe(HttpStatusCode.Accepted, body?.ToJsonString());
        return body!["job"]!["id"]!.GetValue<string>();
    }

    public static async Task<JsonNode> GetJobAsync(this HttpClient client, string id)
    {
        var node = await client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{id}", UriKind.Relative));
        return node!;
    }

    /// <summary>Polls until the job reaches one of <paramref name="statuses"/> (bounded).</summary>
    public static async Task<JsonNode> WaitForAsync(this HttpClient client, string id, TimeSpan timeout, params string[] statuses)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        JsonNode job;
        do
        {
            job = await client.GetJobAsync(id);
            if (statuses.Contains(job["status"]!.GetValue<string>()))
            {
                return job;
            }

            await Task.Delay(100);
        }
        while (clock.Elapsed < timeout);

        throw new TimeoutException($"Job {id} did not reach {string.Join("/", statuses)} in {timeout}; last: {job.ToJsonString()}");
    }

    public static Task<JsonNode> WaitForEndAsync(this HttpClient client, string id, int seconds = 90) =>
        client.WaitForAsync(id, TimeSpan.FromSeconds(seconds), "completed", "failed", "dead", "cancelled", "skipped");

    public static string Json(object value) => JsonSerializer.Serialize(value);
}
