using System.CommandLine;
using System.Text.Json.Nodes;

namespace FfmpegApi.Cli.Client;

public static partial class ClientCommands
{
    private static readonly string[] Terminal = ["completed", "failed", "dead", "cancelled", "skipped"];
    private static readonly string[] ShownFields = ["id", "status", "stage", "progress", "priority", "attempts", "hardware", "input", "created_at", "started_at", "completed_at"];

    private static Command Jobs(Common common)
    {
        var jobs = new Command("jobs", "List, show, cancel and follow jobs on a remote server");

        var status = new Option<string?>("--status") { Description = "Only jobs in this state (queued, processing, completed, failed, dead, cancelled, …)" };
        var page = new Option<int>("--page") { Description = "Page (from 1)", DefaultValueFactory = _ => 1 };
        var perPage = new Option<int>("--per-page") { Description = "Jobs per page (1–100)", DefaultValueFactory = _ => 20 };
        var list = new Command("list", "List jobs, newest first") { status, page, perPage };
        common.AddTo(list);
        list.SetAction((result, ct) => RunAsync(result, common, async (api, token) =>
        {
            var query = $"/api/v1/jobs?page={result.GetValue(page)}&per_page={result.GetValue(perPage)}";
            if (result.GetValue(status) is { } s)
            {
                query += "&status=" + Uri.EscapeDataString(s);
            }

            var answer = await api.GetAsync(query, token);
            if (result.GetValue(common.Json))
            {
                await WriteJsonAsync(answer);
                return ExitCodes.Completed;
            }

            await Console.Out.WriteLineAsync($"{"ID",-36}  {"STATUS",-10}  {"PROGRESS",8}  {"CREATED",-20}  OUTPUT");
            foreach (var job in answer["jobs"] as JsonArray ?? [])
            {
                var progress = job?["progress"] is JsonValue v && v.TryGetValue<double>(out var p) ? $"{p:0.#}%" : "-";
                await Console.Out.WriteLineAsync($"{job?["id"],-36}  {job?["status"],-10}  {progress,8}  {job?["created_at"]?.GetValue<DateTime>():yyyy-MM-dd HH:mm:ss}  {job?["output"]?["path"]}");
            }

            await Console.Out.WriteLineAsync($"page {answer["page"]}, {answer["total"]} jobs in all");
            return ExitCodes.Completed;
        }, ct));
        jobs.Subcommands.Add(list);

        var showId = new Argument<string>("id") { Description = "Job id" };
        var show = new Command("show", "One job: state, progress, output, error") { showId };
        common.AddTo(show);
        show.SetAction((result, ct) => RunAsync(result, common, async (api, token) =>
        {
            var job = await api.GetAsync($"/api/v1/jobs/{Uri.EscapeDataString(result.GetValue(showId)!)}", token);
            if (result.GetValue(common.Json))
            {
                await WriteJsonAsync(job);
                return ExitCodes.Completed;
            }

            foreach (var field in ShownFields)
            {
                if (job[field] is { } value)
                {
                    await Console.Out.WriteLineAsync($"{field + ":",-14}{value}");
                }
            }

            await Console.Out.WriteLineAsync($"{"output:",-14}{job["output"]?["path"]}");
            if (job["error"] is JsonObject error)
            {
                await Console.Out.WriteLineAsync($"{"error:",-14}{error["code"]} {error["message"]}");
            }

            return ExitCodes.Completed;
        }, ct));
        jobs.Subcommands.Add(show);

        var cancelId = new Argument<string>("id") { Description = "Job id" };
        var cancel = new Command("cancel", "Cancel a queued or running job") { cancelId };
        common.AddTo(cancel);
        cancel.SetAction((result, ct) => RunAsync(result, common, async (api, token) =>
        {
            var answer = await api.DeleteAsync($"/api/v1/jobs/{Uri.EscapeDataString(result.GetValue(cancelId)!)}", token);
            await (result.GetValue(common.Json) ? WriteJsonAsync(answer) : Console.Out.WriteLineAsync($"{answer["id"]} {answer["status"]}: {answer["message"]}"));
            return ExitCodes.Completed;
        }, ct));
        jobs.Subcommands.Add(cancel);

        jobs.Subcommands.Add(Logs(common));
        return jobs;
    }

    private static Command Logs(Common common)
    {
        var id = new Argument<string>("id") { Description = "Job id" };
        var lines = new Option<int>("--lines", "-n") { Description = "How many of the last lines (1–1000)", DefaultValueFactory = _ => 100 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines until the job ends (exit code: the job's outcome)" };
        var command = new Command("logs", "A job's log: our lines and the ffmpeg stderr tail") { id, lines, follow };
        common.AddTo(command);
        command.SetAction((result, ct) => RunAsync(result, common, async (api, token) =>
        {
            var path = $"/api/v1/jobs/{Uri.EscapeDataString(result.GetValue(id)!)}/logs?lines=";
            var answer = await api.GetAsync(path + Math.Clamp(result.GetValue(lines), 1, 1000), token);
            var printed = Lines(answer);
            foreach (var line in printed)
            {
                await Console.Out.WriteLineAsync(line);
            }

            if (!result.GetValue(follow))
            {
                return ExitCodes.Completed;
            }

            // The endpoint answers the tail: print what follows the last line already printed.
            while (!Terminal.Contains(answer["status"]?.GetValue<string>()))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), token);
                answer = await api.GetAsync(path + "1000", token);
                var current = Lines(answer);
                foreach (var line in current.Skip(Overlap(printed, current)))
                {
                    await Console.Out.WriteLineAsync(line);
                }

                printed = current;
            }

            return answer["status"]?.GetValue<string>() switch
            {
                "completed" => ExitCodes.Completed,
                "cancelled" => ExitCodes.JobCancelled,
                _ => ExitCodes.JobFailed,
            };
        }, ct));
        return command;
    }

    private static List<string> Lines(JsonNode answer) => [.. (answer["lines"] as JsonArray ?? []).Select(l => l?.GetValue<string>() ?? string.Empty)];

    /// <summary>How many leading lines of <paramref name="current"/> were already printed (the longest suffix of the old tail that starts the new one).</summary>
    public static int Overlap(IReadOnlyList<string> printed, IReadOnlyList<string> current)
    {
        for (var start = Math.Max(0, printed.Count - current.Count); start < printed.Count; start++)
        {
            var length = printed.Count - start;
            if (printed.Skip(start).SequenceEqual(current.Take(length)))
            {
                return length;
            }
        }

        return 0;
    }
}
