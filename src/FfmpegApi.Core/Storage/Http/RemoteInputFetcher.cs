using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Storage.Http;

/// <summary>Section <c>RemoteInputs</c>: job inputs given as http(s) URLs.</summary>
public sealed class RemoteInputOptions
{
    public const string Section = "RemoteInputs";

    /// <summary>Whether jobs may name http(s) URLs as inputs at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Plain http besides https (media hosts still serve it; the address rules apply the same).</summary>
    public bool AllowHttp { get; set; } = true;

    /// <summary>Hosts, addresses or CIDR networks that may be fetched although they are not public (an internal CDN).</summary>
    public List<string> AllowedTargets { get; set; } = [];

    /// <summary>The longest a whole download may take.</summary>
    [Range(1, 86400)]
    public int TimeoutSeconds { get; set; } = 1800;

    /// <summary>The longest the server may stay silent (connect, headers, or between two reads).</summary>
    [Range(1, 3600)]
    public int IdleTimeoutSeconds { get; set; } = 30;

    [Range(0, 20)]
    public int MaxRedirects { get; set; } = 5;
}

/// <summary>Why a remote input could not be fetched; <see cref="Transient"/> when a later attempt may succeed.</summary>
public sealed class RemoteInputException(string code, string message, bool transient) : Exception(message)
{
    public string Code { get; } = code;

    public bool Transient { get; } = transient;
}

/// <summary>
/// Downloads an http(s) input into the job's workspace before ffmpeg runs, so ffmpeg itself never opens a network
/// URL (its protocol whitelist stays <c>file,pipe</c>; a fetched playlist cannot pull segments from elsewhere).
/// Every connection goes through the <see cref="OutboundTargetPolicy"/> (addresses checked after DNS, at connect time);
/// redirects are followed by hand, each new URL checked again; the size limit (<c>Jobs:MaxInputBytes</c>) holds
/// whatever Content-Length says; the whole download and every silence are bounded.
/// </summary>
public sealed partial class RemoteInputFetcher : IDisposable
{
    public const string MeterName = "FfmpegApi.Storage";

    private readonly HttpClient _client;
    private readonly RemoteInputOptions _options;
    private readonly JobOptions _jobs;
    private readonly ILogger<RemoteInputFetcher> _logger;
    private readonly Meter _meter;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _fetches;

    public RemoteInputFetcher(IOptions<RemoteInputOptions> options, IOptions<JobOptions> jobs, IMeterFactory meters, ILogger<RemoteInputFetcher> logger)
    {
        _options = options.Value;
        _jobs = jobs.Value;
        _logger = logger;
        Policy = new OutboundTargetPolicy(_options.AllowedTargets, _options.AllowHttp, RemoteInputOptions.Section);
        _client = new HttpClient(Policy.CreateHandler(TimeSpan.FromSeconds(_options.IdleTimeoutSeconds))) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("FfmpegApi-Inputs/1.0");
        _meter = meters.Create(MeterName);
        _bytes = _meter.CreateCounter<long>("ffmpegapi.remote_inputs.downloaded", "By", "Bytes downloaded from remote inputs");
        _fetches = _meter.CreateCounter<long>("ffmpegapi.remote_inputs.fetches", description: "Remote input downloads, tagged by outcome");
    }

    public OutboundTargetPolicy Policy { get; }

    /// <summary>Whether a job names this input by URL (anything else is a storage path).</summary>
    public static bool IsRemote(string? input) =>
        input is not null && (input.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || input.StartsWith("https://", StringComparison.OrdinalIgnoreCase));

    /// <summary>The URL without query string or fragment (presigned URLs carry secrets there): what logs and errors show.</summary>
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? uri.GetLeftPart(UriPartial.Path) + (uri.Query.Length > 1 ? "?…" : string.Empty)
            : "(malformed URL)";

    /// <summary>The submit-time check (no DNS, no traffic): enabled, http(s), no credentials, not a refused literal address or local name.</summary>
    public string? Check(string url) =>
        !_options.Enabled ? "Remote (http/https) inputs are disabled on this server (RemoteInputs:Enabled)." : Policy.CheckUrl(url, out _);

    /// <summary>Downloads <paramref name="url"/> to <paramref name="destination"/>; returns the bytes written.</summary>
    public async Task<long> FetchAsync(string url, string destination, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var overall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        overall.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        try
        {
            var written = await DownloadAsync(url, destination, overall, cancellationToken);
            _fetches.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
            var shown = Redact(url);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            LogFetched(_logger, shown, written, seconds);
            return written;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            File.Delete(destination);
            var failure = e switch
            {
                RemoteInputException known => known,
                OperationCanceledException when overall.IsCancellationRequested =>
                    new RemoteInputException("INPUT_UNAVAILABLE", $"Downloading {Redact(url)} took longer than {_options.TimeoutSeconds} s (RemoteInputs:TimeoutSeconds).", transient: true),
                OperationCanceledException => new RemoteInputException("INPUT_UNAVAILABLE", $"{Redact(url)} stayed silent for {_options.IdleTimeoutSeconds} s.", transient: true),
                HttpRequestException { InnerException: OutboundTargetRefusedException refused } => new RemoteInputException("INVALID_INPUT", refused.Message, transient: false),
                OutboundTargetRefusedException refused => new RemoteInputException("INVALID_INPUT", refused.Message, transient: false),
                HttpRequestException or IOException => new RemoteInputException("INPUT_UNAVAILABLE", $"Could not download {Redact(url)}: {e.Message}", transient: true),
                _ => null,
            };
            if (failure is null)
            {
                throw;
            }

            _fetches.Add(1, new KeyValuePair<string, object?>("outcome", failure.Transient ? "unavailable" : "refused"));
            throw failure;
        }
        catch
        {
            File.Delete(destination);
            throw;
        }
    }

    private async Task<long> DownloadAsync(string url, string destination, CancellationTokenSource overall, CancellationToken cancellationToken)
    {
        var current = new Uri(url);
        for (var hop = 0; ; hop++)
        {
            using var response = await SendAsync(current, overall.Token);
            if ((int)response.StatusCode is 301 or 302 or 303 or 307 or 308)
            {
                current = NextHop(current, response, hop);
                continue;
            }

            var status = (int)response.StatusCode;
            if (status is 408 or 425 or 429 or >= 500)
            {
                throw new RemoteInputException("INPUT_UNAVAILABLE", $"{Redact(url)} answered {status} {response.ReasonPhrase}.", transient: true);
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new RemoteInputException("INVALID_INPUT", $"{Redact(url)} answered {status} {response.ReasonPhrase}.", transient: false);
            }

            if (response.Content.Headers.ContentLength is { } length && length > _jobs.MaxInputBytes)
            {
                throw TooLarge(url, length);
            }

            return await CopyAsync(url, response, destination, overall, cancellationToken);
        }
    }

    private Uri NextHop(Uri current, HttpResponseMessage response, int hop)
    {
        if (hop >= _options.MaxRedirects)
        {
            throw new RemoteInputException("INVALID_INPUT", $"More than {_options.MaxRedirects} redirects (RemoteInputs:MaxRedirects).", transient: false);
        }

        var location = response.Headers.Location
            ?? throw new RemoteInputException("INVALID_INPUT", $"{Redact(current.ToString())} redirected without a Location.", transient: false);
        var next = location.IsAbsoluteUri ? location : new Uri(current, location);
        return Policy.CheckUrl(next.ToString(), out _) is { } problem
            ? throw new RemoteInputException("INVALID_INPUT", $"Redirect to {Redact(next.ToString())} refused: {problem}", transient: false)
            : next;
    }

    private async Task<HttpResponseMessage> SendAsync(Uri uri, CancellationToken token)
    {
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(token);
        silence.CancelAfter(TimeSpan.FromSeconds(_options.IdleTimeoutSeconds));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, silence.Token);
    }

    private async Task<long> CopyAsync(string url, HttpResponseMessage response, string destination, CancellationTokenSource overall, CancellationToken cancellationToken)
    {
        await using var source = await response.Content.ReadAsStreamAsync(overall.Token);
        await using var target = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        long total = 0;
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(overall.Token);
        while (true)
        {
            silence.CancelAfter(TimeSpan.FromSeconds(_options.IdleTimeoutSeconds));
            var read = await source.ReadAsync(buffer, silence.Token);
            if (read == 0)
            {
                break;
            }

            total += read;
            if (total > _jobs.MaxInputBytes)
            {
                throw TooLarge(url, total);
            }

            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            _bytes.Add(read);
        }

        if (total == 0)
        {
            throw new RemoteInputException("INVALID_INPUT", $"{Redact(url)} is empty.", transient: false);
        }

        return total;
    }

    private RemoteInputException TooLarge(string url, long bytes) =>
        new("INVALID_INPUT", $"{Redact(url)} is larger than this server accepts ({JobOptions.Describe(bytes)}+ > {JobOptions.Describe(_jobs.MaxInputBytes)}, Jobs:MaxInputBytes).", transient: false);

    public void Dispose()
    {
        _client.Dispose();
        _meter.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched remote input {Url}: {Bytes} bytes in {Seconds:0.0} s")]
    private static partial void LogFetched(ILogger logger, string url, long bytes, double seconds);
}
