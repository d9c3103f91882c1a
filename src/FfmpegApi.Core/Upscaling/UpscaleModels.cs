using System.Collections.Concurrent;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace FfmpegApi.Core.Upscaling;

/// <summary>How a registered model stands on this machine (for <c>/capabilities</c> and submissions).</summary>
public sealed record UpscaleModelStatus(string Name, int Scale, string Layout, string File, bool Available, string? Problem);

/// <summary>
/// The configured models, loaded on first use and kept (one ONNX Runtime session per model, shared by jobs); a model
/// file that changes (size or time) is loaded again. The execution provider is chosen once: CUDA when asked for or
/// available, CPU otherwise, with the reason reported.
/// </summary>
public sealed partial class UpscaleModels(IOptions<UpscaleOptions> options, IOptions<WorkerOptions> workers, ILogger<UpscaleModels> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Loaded>> _loaded = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lazy<(string Provider, string? Reason)> _provider = new(() => ChooseProvider(options.Value));

    public UpscaleOptions Options => options.Value;

    /// <summary><c>cpu</c> or <c>cuda</c>: where inference runs on this machine.</summary>
    public string ExecutionProvider => _provider.Value.Provider;

    /// <summary>Why the GPU is not used (null when it is, or when CPU was asked for).</summary>
    public string? GpuUnavailableReason => _provider.Value.Reason;

    /// <summary>Inference threads per job.</summary>
    public int Threads => options.Value.Threads > 0 ? options.Value.Threads : Math.Max(1, Environment.ProcessorCount / workers.Value.EffectiveConcurrency);

    /// <summary>
    /// Which model an operation means and at what scale: the named model (its scale when none is asked), else the
    /// default model, else the first model of the scale asked (4 when none). The problem names the fix.
    /// </summary>
    public (string? Name, int Scale, string? Problem) Resolve(string? requested, int? scale)
    {
        var models = options.Value.Models;
        if (models.Count == 0)
        {
            return (null, scale ?? 4, "no upscale models are configured on this server (Upscale:Models)");
        }

        var chosen = requested is not null && models.TryGetValue(requested, out var named) ? named.Scale
            : requested is null && options.Value.DefaultModel is { } fallback ? models[fallback].Scale : 4;
        var wanted = scale ?? chosen;
        var (name, problem) = Resolve(requested, wanted);
        return (name, wanted, problem);
    }

    private (string? Name, string? Problem) Resolve(string? requested, int scale)
    {
        var models = options.Value.Models;
        var name = requested
            ?? (options.Value.DefaultModel is { } d && models[d].Scale == scale ? d : null)
            ?? models.Where(m => m.Value.Scale == scale).Select(m => m.Key).Order(StringComparer.Ordinal).FirstOrDefault();
        if (name is null)
        {
            return (null, $"no configured model upscales {scale}x (models: {Describe()})");
        }

        if (!models.TryGetValue(name, out var model))
        {
            return (null, $"unknown model '{name}' (models: {Describe()})");
        }

        var key = models.Keys.First(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
        if (model.Scale != scale)
        {
            return (key, $"model '{key}' upscales {model.Scale}x, not {scale}x");
        }

        return Get(key).Problem is { } problem ? (key, $"model '{key}' cannot be used: {problem}") : (key, null);
    }

    /// <summary>The loaded model, or the reason it cannot be loaded.</summary>
    public (UpscaleModel? Model, string? Problem) Get(string name)
    {
        if (!options.Value.Models.TryGetValue(name, out var config))
        {
            return (null, $"unknown model '{name}'");
        }

        var file = new FileInfo(config.Path);
        if (!file.Exists)
        {
            return (null, $"its file {file.Name} does not exist on this machine");
        }

        var stamp = $"{file.Length}:{file.LastWriteTimeUtc.Ticks}";
        var loaded = _loaded.AddOrUpdate(name, _ => new(() => Load(name, config, stamp)), (_, old) => old.IsValueCreated && old.Value.Stamp != stamp ? new(() => Load(name, config, stamp)) : old).Value;
        return (loaded.Model, loaded.Problem);
    }

    /// <summary>Every configured model with whether it loads here.</summary>
    public IReadOnlyList<UpscaleModelStatus> Statuses() =>
        [.. options.Value.Models.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m =>
        {
            var (model, problem) = Get(m.Key);
            return new UpscaleModelStatus(m.Key, m.Value.Scale, m.Value.Layout.ToLowerInvariant(), Path.GetFileName(m.Value.Path), model is not null, problem);
        })];

    /// <summary>What this worker offers the claim: upscaling when a model loads, on a GPU when inference runs there.</summary>
    public WorkerCapability WorkerCapabilities()
    {
        if (options.Value.Models.Count == 0 || !options.Value.Models.Keys.Any(n => Get(n).Model is not null))
        {
            return WorkerCapability.None;
        }

        return WorkerCapability.Upscale | (ExecutionProvider == "cuda" ? WorkerCapability.UpscaleGpu : WorkerCapability.None);
    }

    public void Dispose()
    {
        foreach (var entry in _loaded.Values.Where(l => l.IsValueCreated))
        {
            entry.Value.Model?.Dispose();
        }
    }

    private string Describe() => string.Join(", ", options.Value.Models.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key} ({m.Value.Scale}x)"));

    private Loaded Load(string name, UpscaleModelOptions config, string stamp)
    {
        try
        {
            using var session = NewSessionOptions(ExecutionProvider == "cuda");
            var model = UpscaleModel.Load(name, config, session);
            LogLoaded(logger, name, config.Scale, model.Layout, ExecutionProvider);
            return new Loaded(model, null, stamp);
        }
        catch (Exception ex) when (ex is InvalidDataException or OnnxRuntimeException)
        {
            LogNotLoaded(logger, name, ex.Message);
            return new Loaded(null, ex.Message, stamp);
        }
    }

    private SessionOptions NewSessionOptions(bool cuda)
    {
        var session = new SessionOptions
        {
            IntraOpNumThreads = Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (cuda)
        {
            session.AppendExecutionProvider_CUDA(options.Value.GpuDevice);
        }

        return session;
    }

    /// <summary>CUDA when configured (cuda) or possible (auto: an NVIDIA device node and the CUDA provider library); else CPU.</summary>
    private static (string, string?) ChooseProvider(UpscaleOptions options)
    {
        var wanted = options.ExecutionProvider.ToLowerInvariant();
        if (wanted == "cpu")
        {
            return ("cpu", null);
        }

        if (wanted == "auto" && !File.Exists($"/dev/nvidia{options.GpuDevice}"))
        {
            return ("cpu", $"no NVIDIA GPU is visible (/dev/nvidia{options.GpuDevice})");
        }

        try
        {
            using var session = new SessionOptions();
            session.AppendExecutionProvider_CUDA(options.GpuDevice);
            return ("cuda", null);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            return ("cpu", $"the CUDA execution provider is not available ({ex.Message.Split('\n')[0].Trim()}); install the GPU build of ONNX Runtime (docs/upscaling.md)");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upscale model {Model} loaded ({Scale}x, {Layout}) on {Provider}")]
    private static partial void LogLoaded(ILogger logger, string model, int scale, string layout, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upscale model {Model} cannot be used: {Reason}")]
    private static partial void LogNotLoaded(ILogger logger, string model, string reason);

    private sealed record Loaded(UpscaleModel? Model, string? Problem, string Stamp);
}
