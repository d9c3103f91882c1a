using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FfmpegApi.Cli.Client;

/// <summary>
/// <c>submit</c>, <c>jobs list|show|cancel|logs</c>, <c>analyze</c>, <c>stream</c>: the executable as a client of a
/// remote server (see <see cref="ClientSettings"/> for the address and key). Exit codes: <see cref="ExitCodes"/>.
/// </summary>
public static partial class ClientCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>What the client commands return: scripts branch on these.</summary>
    public static class ExitCodes
    {
        public const int Completed = 0;
        public const int JobFailed = 1;
        public const int Usage = 2;
        public const int JobCancelled = 3;
        public const int Refused = 4;
        public const int Unreachable = 5;
    }

    /// <summary>Options every client command takes.</summary>
    private sealed class Common
    {
        public Option<string?> Server { get; } = new("--server") { Description = $"Server address (default: FFMPEG_API_URL, the config file, or {ClientSettings.DefaultServer})" };

        public Option<string?> Key { get; } = new("--key") { Description = "API key (default: FFMPEG_API_KEY or the config file)" };

        public Option<string?> Config { get; } = new("--config") { Description = "Config file: {\"url\": …, \"key\": …} (default: FFMPEG_API_CONFIG or ~/.config/ffmpeg-api/config.json)" };

        public Option<bool> Json { get; } = new("--json") { Description = "Print JSON on stdout (for scripts)" };

        public void AddTo(Command command)
        {
            command.Options.Add(Server);
            command.Options.Add(Key);
            command.Options.Add(Config);
            command.Options.Add(Json);
        }
    }

    public static IEnumerable<Command> All()
    {
        var common = new Common();
        yield return Submit(common);
        yield return Jobs(common);
        yield return Analyze(common);
        yield return Stream(common);
    }

    /// <summary>Runs a client action with settings resolved and errors mapped to exit codes and one line on stderr.</summary>
    private static async Task<int> RunAsync(ParseResult result, Common common, Func<ApiClient, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        var (settings, problem) = ClientSettings.Resolve(result.GetValue(common.Server), result.GetValue(common.Key), result.GetValue(common.Config), Environment.GetEnvironmentVariable);
        if (settings is null)
        {
            await Console.Error.WriteLineAsync(problem);
            return ExitCodes.Usage;
        }

        using var api = new ApiClient(settings);
        try
        {
            return await action(api, cancellationToken);
        }
        catch (UsageException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return ExitCodes.Usage;
        }
        catch (ApiException ex)
        {
            await Console.Error.WriteLineAsync($"The server refused: {ex.Message}");
            return (int)ex.Status >= 500 ? ExitCodes.Unreachable : ExitCodes.Refused;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            await Console.Error.WriteLineAsync($"Cannot reach {settings.Server}: {ex.Message}");
            return ExitCodes.Unreachable;
        }
    }

    /// <summary>A local file is uploaded first (its <c>upload://</c> address is returned); server paths and URIs go as they are.</summary>
    private static async Task<string> InputAsync(ApiClient api, string source, bool quiet, CancellationToken cancellationToken)
    {
        if (source.Contains("://", StringComparison.Ordinal) || source.StartsWith("/storage/", StringComparison.Ordinal) || !File.Exists(source) && source.StartsWith('/'))
        {
            return source;
        }

        if (!File.Exists(source))
        {
            throw new UsageException($"{source}: no such local file (server paths start with /storage/, or give a URI such as s3://…).");
        }

        if (!quiet)
        {
            await Console.Error.WriteLineAsync($"uploading {source} ({new FileInfo(source).Length.ToString("N0", CultureInfo.InvariantCulture)} bytes)");
        }

        return await api.UploadAsync(source, cancellationToken);
    }

    /// <summary>
    /// Submits, then with <paramref name="wait"/> follows the job to its end; returns the job id and exit code. Without
    /// it the submitted job is printed here (its id, or the job as JSON) and the caller is done.
    /// </summary>
    private static async Task<(string Id, int ExitCode, JsonNode Job)> SubmitAndFollowAsync(ApiClient api, string path, JsonObject body, bool wait, bool json, bool quiet, CancellationToken cancellationToken)
    {
        var created = await api.PostAsync(path, body, cancellationToken);
        var id = created["job"]?["id"]?.GetValue<string>() ?? throw new ApiException(HttpStatusCode.OK, "The answer names no job.");
        if (!wait)
        {
            await (json ? WriteJsonAsync(created["job"]!) : Console.Out.WriteLineAsync(id));
            return (id, ExitCodes.Completed, created["job"]!);
        }

        if (!quiet && !json)
        {
            await Console.Error.WriteLineAsync($"job {id} submitted");
        }

        var end = await JobFollower.FollowAsync(api, id, quiet || json, cancellationToken);
        var job = await api.GetAsync($"/api/v1/jobs/{Uri.EscapeDataString(id)}", cancellationToken);
        return (id, end.Name switch
        {
            "completed" => ExitCodes.Completed,
            "cancelled" => ExitCodes.JobCancelled,
            _ => ExitCodes.JobFailed,
        }, job);
    }

    private static Task WriteJsonAsync(JsonNode node) => Console.Out.WriteLineAsync(node.ToJsonString(Indented));

    private static async Task<int> ExitForAsync(JsonNode job, int exitCode, bool json)
    {
        if (json)
        {
            await WriteJsonAsync(job);
        }
        else if (exitCode == ExitCodes.JobFailed && job["error"] is JsonObject error)
        {
            await Console.Error.WriteLineAsync($"job {job["id"]} {job["status"]}: {error["code"]} {error["message"]}");
        }

        return exitCode;
    }

    /// <summary>A user error found before any request: exit code 2.</summary>
    private sealed class UsageException(string message) : Exception(message);
}
