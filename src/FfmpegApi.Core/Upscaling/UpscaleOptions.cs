using System.ComponentModel.DataAnnotations;

namespace FfmpegApi.Core.Upscaling;

/// <summary>
/// Section <c>Upscale</c>: the super-resolution models this server may run (operator-supplied ONNX files; the service
/// never downloads weights) and how inference runs.
/// </summary>
public sealed class UpscaleOptions
{
    public const string Section = "Upscale";

    /// <summary>Models by name (the <c>model</c> of an upscale operation), e.g. <c>Upscale:Models:realesrgan-x4:Path</c>.</summary>
    public Dictionary<string, UpscaleModelOptions> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The model for operations that name none (null: the first registered model of the requested scale).</summary>
    public string? DefaultModel { get; set; }

    /// <summary><c>auto</c> (CUDA when an NVIDIA GPU and the CUDA build of ONNX Runtime are present, else CPU), <c>cpu</c> or <c>cuda</c>.</summary>
    public string ExecutionProvider { get; set; } = "auto";

    /// <summary>The CUDA device index for the CUDA execution provider.</summary>
    [Range(0, 15)]
    public int GpuDevice { get; set; }

    /// <summary>Largest tile side (source pixels) given to the model at once; larger frames are cut into overlapping tiles.</summary>
    [Range(16, 4096)]
    public int TileSize { get; set; } = 512;

    /// <summary>Source pixels of context on each inner edge of a tile (dropped after inference, so seams do not show).</summary>
    [Range(0, 256)]
    public int TileOverlap { get; set; } = 16;

    /// <summary>Tiles per inference call (across frames); a model with a fixed batch size uses its own.</summary>
    [Range(1, 64)]
    public int BatchSize { get; set; } = 4;

    /// <summary>Inference threads per job (0: the cores divided by the worker's concurrency).</summary>
    [Range(0, 256)]
    public int Threads { get; set; }

    /// <summary>Frames buffered between decoder, model and encoder (each way); bounds a job's memory.</summary>
    [Range(1, 64)]
    public int FramesInFlight { get; set; } = 4;

    /// <summary>Problems with the settings that data annotations cannot see (null: none).</summary>
    public string? Problem()
    {
        if (ExecutionProvider.ToLowerInvariant() is not ("auto" or "cpu" or "cuda"))
        {
            return "Upscale:ExecutionProvider must be auto, cpu or cuda.";
        }

        if (TileOverlap * 2 >= TileSize)
        {
            return "Upscale:TileOverlap must be less than half of Upscale:TileSize.";
        }

        foreach (var (name, model) in Models)
        {
            if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return $"Upscale:Models:{name}: a model name has 1 to 64 letters, digits, '-', '_' or '.'.";
            }

            if (string.IsNullOrWhiteSpace(model.Path))
            {
                return $"Upscale:Models:{name}:Path is required.";
            }

            if (model.Scale is < 1 or > 8 || model.Layout.ToLowerInvariant() is not ("nchw" or "nhwc") || model.MaxValue is <= 0 or > 65535 || model.SizeMultiple is < 1 or > 64)
            {
                return $"Upscale:Models:{name}: Scale is 1 to 8, Layout nchw or nhwc, MaxValue above 0 (1 for Real-ESRGAN), SizeMultiple 1 to 64.";
            }
        }

        return DefaultModel is { } d && !Models.ContainsKey(d) ? $"Upscale:DefaultModel '{d}' is not one of Upscale:Models." : null;
    }
}

/// <summary>One registered model.</summary>
public sealed class UpscaleModelOptions
{
    /// <summary>The .onnx file (float32 RGB in, RGB × <see cref="Scale"/> out).</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>How much larger the output is than the input (checked with a trial inference when the model loads).</summary>
    public int Scale { get; set; } = 4;

    /// <summary><c>nchw</c> (Real-ESRGAN, PyTorch exports) or <c>nhwc</c>.</summary>
    public string Layout { get; set; } = "nchw";

    /// <summary>The model's value for full intensity: 1 for models trained on 0–1 input (Real-ESRGAN), 255 for 0–255.</summary>
    public double MaxValue { get; set; } = 1;

    /// <summary>
    /// Tile sides must be a multiple of this (RealESRGAN_x2plus pixel-unshuffles its input: 2; x1 models: 4); frames
    /// are padded by repeating their edge pixels, and the padding is cut off again.
    /// </summary>
    public int SizeMultiple { get; set; } = 1;
}

/// <summary>Fails the start with the exact setting at fault (<see cref="UpscaleOptions.Problem"/>).</summary>
public sealed class UpscaleOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<UpscaleOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, UpscaleOptions options) =>
        options.Problem() is { } problem ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problem) : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
}
