using System.Diagnostics;

namespace FfmpegApi.Media.Process;

/// <summary>
/// Spans for every ffmpeg/ffprobe process (<c>ffmpeg</c>, <c>ffprobe</c>): the child of whatever span is current (a job
/// run, a request). Tags carry the program, pid, argument count and outcome — never the arguments, which can hold
/// presigned URLs.
/// </summary>
public static class MediaTracing
{
    public const string SourceName = "FfmpegApi.Media";

    public static readonly ActivitySource Source = new(SourceName);

    internal static Activity? StartProcess(FfmpegRunOptions options)
    {
        var program = Path.GetFileNameWithoutExtension(options.Executable);
        var activity = Source.StartActivity(program, ActivityKind.Internal);
        activity?.SetTag("process.executable.name", program);
        activity?.SetTag("process.args_count", options.Arguments.Count);
        return activity;
    }

    internal static void End(Activity? activity, ProcessRunResult result)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("process.exit.code", result.ExitCode);
        activity.SetTag("process.stopped", result.Stopped);
        if (!result.Succeeded && !result.Stopped)
        {
            // Not the stderr line: it can name a presigned URL or a host path.
            activity.SetStatus(ActivityStatusCode.Error, $"exit code {result.ExitCode}");
        }
    }
}
