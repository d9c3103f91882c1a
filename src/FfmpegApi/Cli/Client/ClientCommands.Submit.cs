using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace FfmpegApi.Cli.Client;

public static partial class ClientCommands
{
    private static Command Submit(Common common)
    {
        var source = new Argument<string>("source") { Description = "A local file (uploaded first), a server path (/storage/…) or a URI (https://, s3://, upload://…)" };
        var to = new Option<string?>("--to") { Description = "Output format (mp4, webm, mkv, mp3, …)" };
        var preset = new Option<string?>("--preset") { Description = "A server preset (GET /api/v1/presets), e.g. web-720p" };
        var trim = new Option<string?>("--trim") { Description = "START:END in seconds (10:60, 10:, :30) or START,END as timestamps (00:00:10,00:01:00)" };
        var priority = new Option<string?>("--priority") { Description = "low, normal or high" };
        var upscale = new Option<string?>("--upscale") { Description = "AI upscaling: SCALE or SCALE:MODEL (2, 4:realesrgan-x4plus; models: GET /api/v1/capabilities)" };
        var targetVmaf = new Option<double?>("--target-vmaf") { Description = "Search the CRF that meets this VMAF (20–99) instead of a fixed quality" };
        var wait = new Option<bool>("--wait") { Description = "Follow the job with a progress bar and download the result" };
        var output = new Option<string?>("--output", "-o") { Description = "Where --wait saves the result (default: the input's name with the new extension, in the current directory)" };
        var noDownload = new Option<bool>("--no-download") { Description = "With --wait: do not download the result" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress output" };
        var command = new Command("submit", "Convert a file on the server (client of a remote ffmpeg-api; see --server/--key)") { source, to, preset, trim, priority, upscale, targetVmaf, wait, output, noDownload, quiet };
        common.AddTo(command);
        command.SetAction((result, ct) => RunAsync(result, common, async (api, token) =>
        {
            var (json, silent) = (result.GetValue(common.Json), result.GetValue(quiet));
            var body = new JsonObject { ["output"] = Output(result.GetValue(to), result.GetValue(preset)) };
            if (result.GetValue(targetVmaf) is { } vmaf)
            {
                body["output"]!["video"] = new JsonObject { ["target_vmaf"] = vmaf };
            }

            var operations = new JsonArray();
            if (result.GetValue(trim) is { } range)
            {
                operations.Add(Trim(range));
            }

            if (result.GetValue(upscale) is { } up)
            {
                operations.Add(Upscale(up));
            }

            if (operations.Count > 0)
            {
                body["operations"] = operations;
            }

            if (result.GetValue(priority) is { } p)
            {
                body["options"] = new JsonObject { ["priority"] = p };
            }

            var input = result.GetValue(source)!;
            body["input"] = await InputAsync(api, input, silent || json, token);
            var (id, exitCode, job) = await SubmitAndFollowAsync(api, "/api/v1/convert", body, result.GetValue(wait), json, silent, token);
            if (!result.GetValue(wait))
            {
                return exitCode;
            }

            if (exitCode == ExitCodes.Completed && !result.GetValue(noDownload))
            {
                var destination = result.GetValue(output) ?? DefaultDestination(input, job);
                var size = await api.DownloadAsync(id, destination, token);
                job["downloaded_to"] = Path.GetFullPath(destination);
                if (!json)
                {
                    await Console.Out.WriteLineAsync($"{destination} ({size.ToString("N0", CultureInfo.InvariantCulture)} bytes)");
                }
            }

            return await ExitForAsync(job, exitCode, json);
        }, ct));
        return command;
    }

    private static Command Analyze(Common common)
    {
        var reference = new Argument<string>("reference") { Description = "The original (local file, server path or URI)" };
        var distorted = new Argument<string>("distorted") { Description = "The encode to score" };
        var metrics = new Option<string[]>("--metric") { Description = "vmaf, psnr, ssim (repeatable; default: all the server can compute)", AllowMultipleArgumentsPerToken = true };
        var wait = new Option<bool>("--wait") { Description = "Follow the job and print the scores" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress output" };
        var command = new Command("analyze", "Score an encode against its reference (VMAF/PSNR/SSIM) on a remote server") { reference, distorted, metrics, wait, quiet };
        common.AddTo(command);
        command.SetAction((result, ct) => RunAsync(result, common, async (api, token) =>
        {
            var (json, silent) = (result.GetValue(common.Json), result.GetValue(quiet));
            var body = new JsonObject
            {
                ["reference"] = await InputAsync(api, result.GetValue(reference)!, silent || json, token),
                ["input"] = await InputAsync(api, result.GetValue(distorted)!, silent || json, token),
            };
            if (result.GetValue(metrics) is { Length: > 0 } chosen)
            {
                body["metrics"] = new JsonArray([.. chosen.Select(m => (JsonNode)m)]);
            }

            var (id, exitCode, job) = await SubmitAndFollowAsync(api, "/api/v1/analyze", body, result.GetValue(wait), json, silent, token);
            if (!result.GetValue(wait))
            {
                return exitCode;
            }

            if (!json && job["analysis"]?["metrics"] is JsonObject scores)
            {
                foreach (var (metric, summary) in scores)
                {
                    await Console.Out.WriteLineAsync($"{metric}: mean {summary?["mean"]} min {summary?["min"]} max {summary?["max"]} ({summary?["frames"]} frames)");
                }
            }

            return await ExitForAsync(job, exitCode, json);
        }, ct));
        return command;
    }

    private static Command Stream(Common common)
    {
        var source = new Argument<string>("source") { Description = "A local file (uploaded first), a server path or a URI" };
        var type = new Option<string>("--type") { Description = "hls or dash", DefaultValueFactory = _ => "hls" };
        var variants = new Option<string[]>("--variant") { Description = "RESOLUTION[@BITRATE], e.g. 720p@2.5M (repeatable; default: the server's ladder)", AllowMultipleArgumentsPerToken = true };
        var wait = new Option<bool>("--wait") { Description = "Follow the job and list the package's files" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress output" };
        var command = new Command("stream", "Package a file for adaptive streaming (HLS/DASH) on a remote server") { source, type, variants, wait, quiet };
        common.AddTo(command);
        command.SetAction((result, ct) => RunAsync(result, common, async (api, token) =>
        {
            var (json, silent) = (result.GetValue(common.Json), result.GetValue(quiet));
            var body = new JsonObject { ["type"] = result.GetValue(type) };
            if (result.GetValue(variants) is { Length: > 0 } ladder)
            {
                body["variants"] = new JsonArray([.. ladder.Select(v => (JsonNode)Variant(v))]);
            }

            body["input"] = await InputAsync(api, result.GetValue(source)!, silent || json, token);
            var (id, exitCode, job) = await SubmitAndFollowAsync(api, "/api/v1/stream", body, result.GetValue(wait), json, silent, token);
            if (!result.GetValue(wait))
            {
                return exitCode;
            }

            if (!json && exitCode == ExitCodes.Completed)
            {
                var outputs = await api.GetAsync($"/api/v1/jobs/{Uri.EscapeDataString(id)}/outputs", token);
                foreach (var file in outputs["outputs"] as JsonArray ?? [])
                {
                    await Console.Out.WriteLineAsync($"{file?["path"]}\t{file?["size_bytes"]}");
                }
            }

            return await ExitForAsync(job, exitCode, json);
        }, ct));
        return command;
    }

    private static JsonObject Output(string? format, string? preset) => (format, preset) switch
    {
        (null, null) => throw new UsageException("Name the output with --to FORMAT (mp4, webm, mp3, …) or --preset NAME."),
        (_, null) => new JsonObject { ["format"] = format },
        (null, _) => new JsonObject { ["preset"] = preset },
        _ => new JsonObject { ["preset"] = preset, ["format"] = format },
    };

    /// <summary>--upscale SCALE[:MODEL] as an upscale operation.</summary>
    private static JsonObject Upscale(string text)
    {
        var parts = text.Split(':', 2);
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var scale) || scale is < 2 or > 8)
        {
            throw new UsageException($"--upscale '{text}': use SCALE or SCALE:MODEL, e.g. 4 or 4:realesrgan-x4plus.");
        }

        var operation = new JsonObject { ["type"] = "upscale", ["scale"] = scale };
        if (parts.Length == 2 && parts[1].Length > 0)
        {
            operation["model"] = parts[1];
        }

        return operation;
    }

    /// <summary>--trim as a trim operation: START:END in seconds, or START,END as timestamps; either side may be empty.</summary>
    public static JsonObject Trim(string range)
    {
        var parts = range.Contains(',', StringComparison.Ordinal) ? range.Split(',') : range.Split(':');
        if (parts.Length != 2 || parts.All(string.IsNullOrWhiteSpace))
        {
            throw new UsageException($"--trim '{range}': use START:END in seconds (10:60, 10:, :30) or START,END as timestamps (00:00:10,00:01:00).");
        }

        var trim = new JsonObject { ["type"] = "trim" };
        if (!string.IsNullOrWhiteSpace(parts[0]))
        {
            trim["start"] = Time(parts[0].Trim());
        }

        if (!string.IsNullOrWhiteSpace(parts[1]))
        {
            trim["end"] = Time(parts[1].Trim());
        }

        return trim;

        JsonNode Time(string value) => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? JsonValue.Create(seconds) : JsonValue.Create(value);
    }

    private static JsonObject Variant(string text)
    {
        var at = text.Split('@', 2);
        var variant = new JsonObject { ["resolution"] = at[0] };
        if (at.Length == 2)
        {
            variant["bitrate"] = at[1];
        }

        return variant;
    }

    /// <summary>The input's name with the output's extension, in the current directory (never the input itself).</summary>
    private static string DefaultDestination(string input, JsonNode job)
    {
        var published = job["output"]?["path"]?.GetValue<string>() ?? "output";
        var extension = Path.GetExtension(published);
        var stem = File.Exists(input) ? Path.GetFileNameWithoutExtension(input) : Path.GetFileNameWithoutExtension(published);
        var destination = stem + extension;
        return File.Exists(input) && Path.GetFullPath(destination) == Path.GetFullPath(input) ? $"{stem}.out{extension}" : destination;
    }
}
