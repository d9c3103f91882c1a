using System.Diagnostics;
using System.Net;
using System.Text;
using FfmpegApi.Core.Net;

namespace FfmpegApi.Core.Webhooks;

/// <summary>What one attempt got: an HTTP status (or an error), how long it took, and what to do next.</summary>
public sealed record SendOutcome(int? StatusCode, int LatencyMs, string? Error, string? Snippet, bool Retriable, TimeSpan? RetryAfter)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>
/// Sends one signed POST. Connections go through the <see cref="OutboundTargetPolicy"/> (the address connected to is
/// checked), redirects are not followed, the attempt has a time limit, and only the first 500 characters of the
/// answer are read.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    public const int SnippetLength = 500;

    private readonly HttpClient _client;
    private readonly TimeProvider _clock;

    public WebhookSender(OutboundTargetPolicy policy, TimeProvider clock, TimeSpan timeout)
    {
        _clock = clock;
        _client = new HttpClient(policy.CreateHandler(timeout)) { Timeout = timeout };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("FfmpegApi-Webhooks/1.0");
    }

    public async Task<SendOutcome> SendAsync(string url, string messageId, string body, IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        var timestamp = _clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", messageId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSignature.Header(secrets, messageId, timestamp, body));
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var snippet = await ReadSnippetAsync(response, cancellationToken);
            var status = (int)response.StatusCode;
            var retriable = status is 408 or 429 or >= 500;
            return new SendOutcome(status, Elapsed(started), null, snippet, retriable, RetryAfterOf(response));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            var refused = e as OutboundTargetRefusedException ?? e.InnerException as OutboundTargetRefusedException;
            var message = refused?.Message ?? (e is TaskCanceledException ? "Timed out." : $"{e.GetType().Name}: {e.Message}");
            return new SendOutcome(null, Elapsed(started), message, null, refused is null, null);
        }
    }

    public void Dispose() => _client.Dispose();

    private static int Elapsed(long started) => (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    private static async Task<string?> ReadSnippetAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new char[SnippetLength];
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken);
        return read == 0 ? null : new string(buffer, 0, read);
    }

    private TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) || response.Headers.RetryAfter is not { } retry)
        {
            return null;
        }

        return retry.Delta ?? (retry.Date is { } date ? date - _clock.GetUtcNow() : null);
    }
}
