using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;

namespace FfmpegApi.Cli.Client;

/// <summary>The server answered with an error (a ProblemDetails body: its code, detail and field errors).</summary>
public sealed class ApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>One server-sent event: its name and JSON data.</summary>
public sealed record ServerEvent(string Name, JsonNode Data);

/// <summary>The REST API as the command-line client uses it. Every call is bounded; SSE streams are not (a job runs as long as it runs).</summary>
public sealed class ApiClient(ClientSettings settings) : IDisposable
{
    private readonly HttpClient _http = Create(settings, TimeSpan.FromMinutes(10));
    private readonly HttpClient _streams = Create(settings, Timeout.InfiniteTimeSpan);

    /// <summary>Uploads a local file (multipart, streamed from disk); returns the input address (<c>upload://…</c>).</summary>
    public async Task<string> UploadAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        using var content = new MultipartFormDataContent();
        var body = new StreamContent(file, 1 << 16);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Add(body, "file", Path.GetFileName(path));
        using var response = await _http.PostAsync(new Uri("/api/v1/uploads", UriKind.Relative), content, cancellationToken);
        var answer = await ReadAsync(response, cancellationToken);
        return answer["input"]?.GetValue<string>() ?? throw new ApiException(response.StatusCode, "The upload answer has no input address.");
    }

    public async Task<JsonNode> PostAsync(string path, JsonNode body, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    public async Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    public async Task<JsonNode> DeleteAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync(new Uri(path, UriKind.Relative), cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    /// <summary>Follows a job's event stream until its terminal event (completed, failed, cancelled).</summary>
    public async IAsyncEnumerable<ServerEvent> FollowAsync(string jobId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await _streams.GetAsync(new Uri($"/api/v1/jobs/{Uri.EscapeDataString(jobId)}/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            await ReadAsync(response, cancellationToken);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream);
        var name = "message";
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0 && JsonNode.Parse(data.ToString()) is { } node)
                {
                    yield return new ServerEvent(name, node);
                    if (name is "completed" or "failed" or "cancelled")
                    {
                        yield break;
                    }
                }

                (name, data) = ("message", data.Clear());
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line[5..].TrimStart());
            }
        }
    }

    /// <summary>Downloads a completed job's output to <paramref name="destination"/> (following a presigned redirect); returns its size.</summary>
    public async Task<long> DownloadAsync(string jobId, string destination, CancellationToken cancellationToken)
    {
        using var response = await _streams.GetAsync(new Uri($"/api/v1/jobs/{Uri.EscapeDataString(jobId)}/output", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            await ReadAsync(response, cancellationToken);
        }

        var partial = destination + ".part";
        await using (var file = File.Create(partial))
        {
            await response.Content.CopyToAsync(file, cancellationToken);
        }

        File.Move(partial, destination, overwrite: true);
        return new FileInfo(destination).Length;
    }

    public void Dispose()
    {
        _http.Dispose();
        _streams.Dispose();
    }

    private static HttpClient Create(ClientSettings settings, TimeSpan timeout)
    {
        var client = new HttpClient { BaseAddress = settings.Server, Timeout = timeout };
        client.DefaultRequestHeaders.Add("X-API-Key", settings.Key);
        client.DefaultRequestHeaders.UserAgent.ParseAdd("ffmpeg-api-cli/1.0");
        return client;
    }

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? body = null;
        try
        {
            body = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON (a proxy's error page): reported by status below.
        }

        if (response.IsSuccessStatusCode)
        {
            return body ?? new JsonObject();
        }

        throw new ApiException(response.StatusCode, Describe(response.StatusCode, body));
    }

    /// <summary>"422 INVALID_INPUT: detail (field: message; …)" from a ProblemDetails body.</summary>
    private static string Describe(HttpStatusCode status, JsonNode? problem)
    {
        var code = problem?["code"]?.GetValue<string>();
        var detail = problem?["detail"]?.GetValue<string>() ?? problem?["title"]?.GetValue<string>() ?? status.ToString();
        var fields = problem?["errors"] is JsonObject errors
            ? " (" + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", (e.Value as JsonArray ?? []).Select(m => m?.GetValue<string>()))}")) + ")"
            : string.Empty;
        return $"{(int)status}{(code is null ? string.Empty : " " + code)}: {detail}{fields}";
    }
}
