using System.Text;

namespace FfmpegApi.Tests.Upscaling;

/// <summary>
/// A tiny super-resolution network with known weights, written as an ONNX file by hand (protobuf wire format, IR 8,
/// opset 17): <c>Conv</c> 3→3·s² channels (3×3, zero padding 1) then <c>DepthToSpace</c> (DCR, block s) — the same
/// shape as Real-ESRGAN's pixel-shuffle upsampler. <see cref="Expected"/> computes its output in plain C#, so tests
/// can check the service's pixels against the weights.
/// </summary>
public sealed class TinyUpscaler
{
    private TinyUpscaler(int scale, float[] weights, float[] bias)
    {
        (Scale, Weights, Bias) = (scale, weights, bias);
    }

    public int Scale { get; }

    /// <summary>[3·s², 3, 3, 3]: output channel (sub-pixel k, colour c) = k·3 + c.</summary>
    public float[] Weights { get; }

    public float[] Bias { get; }

    /// <summary>
    /// Sub-pixel k of colour c: <c>a_k · x(c) + 0.1 · x(c, right neighbour) + b_k</c> with a_k rising from 0.6 to 0.9 and
    /// b_k from −0.05 to 0.05: every sub-pixel differs, and tiles must see their neighbours to be right at seams.
    /// </summary>
    public static TinyUpscaler Create(int scale)
    {
        var blocks = scale * scale;
        var weights = new float[blocks * 3 * 3 * 9];
        var bias = new float[blocks * 3];
        for (var k = 0; k < blocks; k++)
        {
            var t = blocks == 1 ? 0f : k / (float)(blocks - 1);
            for (var c = 0; c < 3; c++)
            {
                var oc = (k * 3) + c;
                weights[Index(oc, c, 1, 1)] = 0.6f + (0.3f * t);
                weights[Index(oc, c, 1, 2)] = 0.1f;
                bias[oc] = -0.05f + (0.1f * t);
            }
        }

        return new TinyUpscaler(scale, weights, bias);
    }

    /// <summary>The model file's bytes.</summary>
    public byte[] ToOnnx()
    {
        var outChannels = 3 * Scale * Scale;
        var conv = Node(["x", "w", "b"], ["features"], "Conv", [IntsAttribute("kernel_shape", [3, 3]), IntsAttribute("pads", [1, 1, 1, 1])]);
        var shuffle = Node(["features"], ["y"], "DepthToSpace", [IntAttribute("blocksize", Scale), StringAttribute("mode", "DCR")]);
        var graph = new Proto()
            .Bytes(1, conv).Bytes(1, shuffle).String(2, "tiny_upscaler")
            .Bytes(5, Tensor("w", [outChannels, 3, 3, 3], Weights)).Bytes(5, Tensor("b", [outChannels], Bias))
            .Bytes(11, ValueInfo("x", ["n", 3, "h", "w"])).Bytes(12, ValueInfo("y", ["n", 3, "oh", "ow"]));
        var opset = new Proto().String(1, string.Empty).Varint(2, 17);
        return new Proto().Varint(1, 8).String(2, "ffmpeg-api-tests").Bytes(7, graph.ToArray()).Bytes(8, opset.ToArray()).ToArray();
    }

    /// <summary>What the model makes of an rgb24 frame, as rgb24 (rounded, clamped; values scaled by 1/255 in and 255 out).</summary>
    public byte[] Expected(byte[] rgb, int width, int height)
    {
        var (ow, s) = (width * Scale, Scale);
        var output = new byte[ow * height * s * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var k = 0; k < s * s; k++)
                {
                    var (i, j) = (k / s, k % s);
                    for (var c = 0; c < 3; c++)
                    {
                        var oc = (k * 3) + c;
                        var v = Bias[oc];
                        for (var dy = -1; dy <= 1; dy++)
                        {
                            for (var dx = -1; dx <= 1; dx++)
                            {
                                var (yy, xx) = (y + dy, x + dx);
                                if (yy >= 0 && yy < height && xx >= 0 && xx < width)
                                {
                                    for (var ic = 0; ic < 3; ic++)
                                    {
                                        v += Weights[Index(oc, ic, dy + 1, dx + 1)] * (rgb[(((yy * width) + xx) * 3) + ic] / 255f);
                                    }
                                }
                            }
                        }

                        output[((((y * s) + i) * ow) + (x * s) + j) * 3 + c] = (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);
                    }
                }
            }
        }

        return output;
    }

    private static int Index(int oc, int ic, int ky, int kx) => (((oc * 3) + ic) * 9) + (ky * 3) + kx;

    private static byte[] Node(string[] inputs, string[] outputs, string op, byte[][] attributes)
    {
        var node = new Proto();
        foreach (var input in inputs)
        {
            node.String(1, input);
        }

        foreach (var output in outputs)
        {
            node.String(2, output);
        }

        node.String(3, op.ToLowerInvariant()).String(4, op);
        foreach (var attribute in attributes)
        {
            node.Bytes(5, attribute);
        }

        return node.ToArray();
    }

    // AttributeProto: name 1, i 3, s 4, ints 8, type 20 (INT 2, STRING 3, INTS 7).
    private static byte[] IntAttribute(string name, long value) => new Proto().String(1, name).Varint(3, value).Varint(20, 2).ToArray();

    private static byte[] StringAttribute(string name, string value) => new Proto().String(1, name).String(4, value).Varint(20, 3).ToArray();

    private static byte[] IntsAttribute(string name, long[] values)
    {
        var attribute = new Proto().String(1, name);
        foreach (var value in values)
        {
            attribute.Varint(8, value);
        }

        return attribute.Varint(20, 7).ToArray();
    }

    // TensorProto: dims 1, data_type 2 (FLOAT 1), name 8, raw_data 9 (little-endian).
    private static byte[] Tensor(string name, long[] dims, float[] values)
    {
        var tensor = new Proto();
        foreach (var dim in dims)
        {
            tensor.Varint(1, dim);
        }

        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        return tensor.Varint(2, 1).String(8, name).Bytes(9, raw).ToArray();
    }

    // ValueInfoProto { name 1, type 2: TypeProto { tensor_type 1: { elem_type 1, shape 2: { dim 1: { dim_value 1 | dim_param 2 } } } } }.
    private static byte[] ValueInfo(string name, object[] dims)
    {
        var shape = new Proto();
        foreach (var dim in dims)
        {
            shape.Bytes(1, dim is int n ? new Proto().Varint(1, n).ToArray() : new Proto().String(2, (string)dim).ToArray());
        }

        var tensorType = new Proto().Varint(1, 1).Bytes(2, shape.ToArray());
        return new Proto().String(1, name).Bytes(2, new Proto().Bytes(1, tensorType.ToArray()).ToArray()).ToArray();
    }

    /// <summary>Protobuf wire format: varints (type 0) and length-delimited fields (type 2) are all ONNX needs here.</summary>
    private sealed class Proto
    {
        private readonly List<byte> _bytes = [];

        public Proto Varint(int field, long value)
        {
            Raw((ulong)field << 3);
            Raw((ulong)value);
            return this;
        }

        public Proto Bytes(int field, byte[] value)
        {
            Raw(((ulong)field << 3) | 2);
            Raw((ulong)value.Length);
            _bytes.AddRange(value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public byte[] ToArray() => [.. _bytes];

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.Add((byte)(value | 0x80));
                value >>= 7;
            }

            _bytes.Add((byte)value);
        }
    }
}
