using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FfmpegApi.Core.Upscaling;

/// <summary>
/// A loaded, checked model: one float32 image tensor in (3 channels, <see cref="Layout"/>), one <see cref="Scale"/>×
/// larger out. <see cref="Run"/> is thread-safe (ONNX Runtime sessions are), so jobs share one instance.
/// </summary>
public sealed class UpscaleModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _input;
    private readonly string _output;

    private UpscaleModel(string name, int scale, bool nhwc, float maxValue, InferenceSession session, string input, string output, int?[] dims)
    {
        (Name, Scale, Nhwc, MaxValue, _session, _input, _output) = (name, scale, nhwc, maxValue, session, input, output);
        FixedBatch = dims[0];
        (FixedHeight, FixedWidth) = nhwc ? (dims[1], dims[2]) : (dims[2], dims[3]);
    }

    public string Name { get; }

    public int Scale { get; }

    /// <summary>True for NHWC tensors, false for NCHW.</summary>
    public bool Nhwc { get; }

    public string Layout => Nhwc ? "nhwc" : "nchw";

    /// <summary>The model's value for full intensity (1 for Real-ESRGAN).</summary>
    public float MaxValue { get; }

    /// <summary>Sizes the model was exported with (null: dynamic). Tiles then have exactly that size.</summary>
    public int? FixedBatch { get; }

    public int? FixedHeight { get; }

    public int? FixedWidth { get; }

    /// <summary>Tile sides are a multiple of this (1: any size).</summary>
    public int SizeMultiple { get; private init; } = 1;

    /// <summary>
    /// Loads and checks a model: the tensor types and ranks, and a trial inference whose output must be exactly
    /// <paramref name="scale"/>× its input. Throws <see cref="InvalidDataException"/> with the reason otherwise.
    /// </summary>
    public static UpscaleModel Load(string name, UpscaleModelOptions options, SessionOptions sessionOptions)
    {
        InferenceSession session;
        try
        {
            session = new InferenceSession(options.Path, sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            // ONNX Runtime's message names the full path: keep only the file name (it reaches clients).
            var reason = FirstLine(ex.Message).Replace(options.Path, System.IO.Path.GetFileName(options.Path), StringComparison.Ordinal);
            throw new InvalidDataException($"not a loadable ONNX model ({reason})", ex);
        }

        try
        {
            if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count != 1)
            {
                throw new InvalidDataException($"an upscaler has one input and one output (this model has {session.InputMetadata.Count} and {session.OutputMetadata.Count})");
            }

            var (input, inMeta) = session.InputMetadata.Single();
            var (output, outMeta) = session.OutputMetadata.Single();
            var nhwc = options.Layout.Equals("nhwc", StringComparison.OrdinalIgnoreCase);
            foreach (var (what, meta) in new[] { ("input", inMeta), ("output", outMeta) })
            {
                if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float || meta.Dimensions.Length != 4)
                {
                    throw new InvalidDataException($"its {what} must be a 4-dimensional float32 tensor (it is {meta.ElementDataType}, rank {meta.Dimensions.Length})");
                }

                var channels = meta.Dimensions[nhwc ? 3 : 1];
                if (channels > 0 && channels != 3)
                {
                    throw new InvalidDataException($"its {what} has {channels} channels, not 3 (RGB) in {(nhwc ? "NHWC" : "NCHW")} layout");
                }
            }

            int?[] dims = [.. inMeta.Dimensions.Select(d => d > 0 ? (int?)d : null)];
            var model = new UpscaleModel(name, options.Scale, nhwc, (float)options.MaxValue, session, input, output, dims) { SizeMultiple = options.SizeMultiple };
            model.Trial();
            return model;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the model on <paramref name="count"/> tiles of <paramref name="height"/>×<paramref name="width"/> at the start
    /// of <paramref name="input"/> (a caller's reusable buffer; only that many values are read).
    /// </summary>
    public float[] Run(Memory<float> input, int count, int height, int width, RunOptions? options = null)
    {
        long[] shape = Nhwc ? [count, height, width, 3] : [count, 3, height, width];
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input[..(count * 3 * height * width)], shape);
        using var run = options is null ? new RunOptions() : null;
        using var results = _session.Run(options ?? run!, [_input], [value], [_output]);
        var result = results[0];
        var got = result.GetTensorTypeAndShape().Shape;
        long[] want = Nhwc ? [count, height * Scale, width * Scale, 3] : [count, 3, height * Scale, width * Scale];
        if (!got.SequenceEqual(want))
        {
            throw new InvalidDataException($"the model returned a tensor of [{string.Join(',', got)}] for [{string.Join(',', shape)}]; a {Scale}x upscaler returns [{string.Join(',', want)}]");
        }

        return result.GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose() => _session.Dispose();

    /// <summary>One small inference: proves the file runs here and that its scale is what the configuration says.</summary>
    private void Trial()
    {
        var (h, w) = (FixedHeight ?? 16, FixedWidth ?? 16);
        var n = FixedBatch ?? 1;
        Run(new float[n * 3 * h * w], n, h, w);
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
