using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace FfmpegApi.Cli.Client;

/// <summary>
/// Follows a job to its end over SSE and shows its progress on stderr: a live bar (Spectre.Console) on a terminal, and
/// plain lines otherwise (every 5 % or stage change), so stdout stays free for ids and JSON.
/// </summary>
public static class JobFollower
{
    /// <summary>Whether stderr is a terminal that can redraw a progress bar.</summary>
    public static bool Interactive => !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");

    /// <summary>The terminal event (completed, failed or cancelled).</summary>
    public static async Task<ServerEvent> FollowAsync(ApiClient api, string jobId, bool quiet, CancellationToken cancellationToken)
    {
        if (quiet || !Interactive)
        {
            return await FollowPlainAsync(api, jobId, quiet ? TextWriter.Null : Console.Error, cancellationToken);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        ServerEvent? last = null;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"job {Short(jobId)} queued", maxValue: 100);
                await foreach (var e in api.FollowAsync(jobId, cancellationToken))
                {
                    last = e;
                    if (Percent(e.Data) is { } percent)
                    {
                        task.Value = percent;
                    }

                    // Short enough for an 80-column terminal beside the bar; the plain mode prints the details.
                    var line = $"job {Short(jobId)} {(e.Name is "completed" or "cancelled" ? e.Name : Describe(e))}";
                    task.Description = Markup.Escape(line.Length > 48 ? line[..47] + "…" : line);
                }

                task.StopTask();
            });
        return last ?? throw new IOException("The event stream ended before the job did.");
    }

    private static async Task<ServerEvent> FollowPlainAsync(ApiClient api, string jobId, TextWriter output, CancellationToken cancellationToken)
    {
        var (lastStep, lastStage) = (-1, string.Empty);
        await foreach (var e in api.FollowAsync(jobId, cancellationToken))
        {
            var step = Percent(e.Data) is { } p ? (int)(p / 5) : -1;
            var stage = e.Data["stage"]?.GetValue<string>() ?? e.Name;
            if (e.Name is "completed" or "failed" or "cancelled" || step != lastStep || stage != lastStage)
            {
                await output.WriteLineAsync($"job {jobId} {Describe(e)}");
                (lastStep, lastStage) = (step, stage);
            }

            if (e.Name is "completed" or "failed" or "cancelled")
            {
                return e;
            }
        }

        throw new IOException("The event stream ended before the job did.");
    }

    /// <summary>"processing 42.5% fps=120 speed=4.8x eta=3s", "completed", "failed: FFMPEG_FAILED …".</summary>
    public static string Describe(ServerEvent e)
    {
        var data = e.Data;
        switch (e.Name)
        {
            case "completed":
                return "completed" + (data["output_path"]?.GetValue<string>() is { } path ? $" → {path}" : string.Empty);
            case "failed":
                return $"{data["status"]?.GetValue<string>() ?? "failed"}: {data["error"]?["code"]?.GetValue<string>()} {data["error"]?["message"]?.GetValue<string>()}".TrimEnd();
            case "cancelled":
                return "cancelled";
        }

        var text = data["stage"]?.GetValue<string>() ?? data["status"]?.GetValue<string>() ?? e.Name;
        if (Percent(data) is { } percent)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" {percent:0.#}%");
        }

        if (Number(data["fps"]) is { } fps)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" fps={fps:0.#}");
        }

        if (Number(data["speed"]) is { } speed)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" speed={speed:0.##}x");
        }

        if (Number(data["eta_seconds"]) is { } eta)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" eta={eta:0}s");
        }

        return text;
    }

    private static double? Percent(JsonNode data) => Number(data["percentage"]) ?? Number(data["progress"]);

    private static double? Number(JsonNode? node) => node is JsonValue value && value.TryGetValue<double>(out var number) ? number : null;

    private static string Short(string id) => id.Length > 8 ? id[..8] : id;
}
