using System.Diagnostics;
using System.Globalization;
using FfmpegApi.Core.Upscaling;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Process;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Core.Processing;

/// <summary>Upscale passes: a decoding ffmpeg, the model and the encoding ffmpeg run at once, joined by pipes.</summary>
internal sealed class UpscalePassRunner(FfmpegTools tools, UpscaleModels upscaleModels, JobMetrics metrics)
{
    /// <summary>
    /// Runs the decoder and the model, and <paramref name="encode"/> (the pass's own ffmpeg, reading raw frames from
    /// the stream it is given) beside them.
    /// </summary>
    public async Task<ProcessRunResult> RunAsync(JobRun run, PlannedPass pass, Func<Func<Stream, Task>, CancellationToken, Task<ProcessRunResult>> encode, CancellationToken cancellationToken)
    {
        var stage = pass.Upscale!;
        var (model, problem) = upscaleModels.Get(stage.Operation.Model);
        if (model is null)
        {
            throw new JobFailure("UPSCALE_MODEL_UNAVAILABLE", $"Upscale model '{stage.Operation.Model}' cannot be used on this worker: {run.Clean(problem ?? "not loaded")}");
        }

        var provider = upscaleModels.ExecutionProvider;
        if (stage.Operation.Device == UpscaleDevice.Gpu && provider != "cuda")
        {
            throw new JobFailure("UPSCALE_GPU_UNAVAILABLE", $"This worker runs upscaling on the CPU ({upscaleModels.GpuUnavailableReason}).");
        }

        var options = upscaleModels.Options;
        var upscaler = new FrameUpscaler(model, stage.Width, stage.Height, options.TileSize, options.TileOverlap, options.BatchSize);
        var tags = new TagList { { "model", model.Name }, { "provider", provider } };
        using var pipeline = new UpscalePipeline(upscaler, stage.Width, stage.Height, options.BatchSize, options.FramesInFlight, cancellationToken)
        {
            OnInference = (frames, took) =>
            {
                metrics.UpscaledFrames.Add(frames, tags);
                metrics.UpscaleInference.Record(took.TotalSeconds, tags);
            },
        };
        run.Log(string.Create(CultureInfo.InvariantCulture, $"upscaling {stage.Width}x{stage.Height} → {stage.OutputWidth}x{stage.OutputHeight} with {model.Name} on {provider}: {upscaler.TilesPerFrame} tile(s) per frame, {upscaleModels.Threads} thread(s)"));
        var decoderArgs = stage.Decoder.ToArguments(run.InputFormats);
        run.Log("ffmpeg (decoder) " + run.Clean(FfmpegCommand.ForLog(decoderArgs, run.InputFormats)));
        var started = Stopwatch.GetTimestamp();
        var decoding = FfmpegProcess.RunAsync(new FfmpegRunOptions(tools.FfmpegPath, decoderArgs) { StandardOutput = pipeline.ReadAsync, StopGracePeriod = TimeSpan.FromSeconds(2) }, pipeline.Token);
        var inference = pipeline.InferAsync();
        ProcessRunResult? encoded = null;
        JobFailure? encoderFailure = null;
        try
        {
            encoded = await encode(pipeline.WriteAsync, cancellationToken);
        }
        catch (JobFailure failure)
        {
            encoderFailure = failure;
            pipeline.Abort();
        }
        catch
        {
            // Stopped (cancel, timeout, lost lease): the decoder goes with it; the caller reports the stop.
            pipeline.Abort();
            await Task.WhenAll(decoding, inference);
            throw;
        }

        var decoded = await decoding;
        await inference;
        if (pipeline.Fault is { } fault)
        {
            throw new JobFailure("UPSCALE_FAILED", $"Upscaling with '{model.Name}' failed: {run.Clean(fault.Message)}");
        }

        if (!decoded.Succeeded && !decoded.Stopped)
        {
            foreach (var line in decoded.StderrTail.TakeLast(5))
            {
                run.LogRaw(run.Clean(line));
            }

            var diagnosis = FfmpegDiagnostics.Diagnose(decoded.StderrTail, decoded.ExitCode);
            throw new JobFailure(diagnosis.Code, $"ffmpeg (decoding) failed: {run.Clean(diagnosis.Reason)}", diagnosis.Transient);
        }

        if (encoderFailure is not null)
        {
            throw encoderFailure;
        }

        if (pipeline.FramesEncoded == 0)
        {
            throw new JobFailure("INVALID_INPUT", "No video frames were decoded from the input.");
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        run.Log(string.Create(CultureInfo.InvariantCulture, $"upscaled {pipeline.FramesEncoded} frames in {seconds:0.##} s ({pipeline.FramesEncoded / Math.Max(seconds, 0.001):0.##} frames/s)"));
        return encoded!;
    }
}
