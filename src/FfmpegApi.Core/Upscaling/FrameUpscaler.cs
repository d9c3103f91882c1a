using Microsoft.ML.OnnxRuntime;

namespace FfmpegApi.Core.Upscaling;

/// <summary>
/// Upscales packed RGB frames of one size with a model: each frame is cut into overlapping tiles (<see cref="TileGrid"/>),
/// tiles of several frames go through the model together in batches, and the tiles' cores are written into the output
/// frames. Pixels beyond a frame's edge (a fixed-size model on a small frame) repeat the edge.
/// </summary>
public sealed class FrameUpscaler
{
    private readonly UpscaleModel _model;
    private readonly int _width;
    private readonly int _height;
    private readonly int _tileWidth;
    private readonly int _tileHeight;
    private readonly int _batch;
    private readonly List<(TileSpan Y, TileSpan X)> _tiles;

    /// <summary>One batch of tiles in the model's layout, reused by every call (one inference thread per job).</summary>
    private readonly float[] _input;

    public FrameUpscaler(UpscaleModel model, int width, int height, int tileSize, int overlap, int batchSize)
    {
        (_model, _width, _height) = (model, width, height);
        // A side the model needs in multiples (pixel-unshuffle) is rounded up; the extra pixels repeat the edge.
        var m = model.SizeMultiple;
        var largest = Math.Max(m, tileSize / m * m);
        int Side(int length) => (Math.Min(largest, length) + m - 1) / m * m;
        _tileWidth = model.FixedWidth ?? Side(width);
        _tileHeight = model.FixedHeight ?? Side(height);
        _batch = model.FixedBatch ?? batchSize;
        var xs = TileGrid.Axis(width, _tileWidth, overlap);
        _tiles = [.. TileGrid.Axis(height, _tileHeight, overlap).SelectMany(y => xs.Select(x => (y, x)))];
        _input = new float[_batch * 3 * _tileWidth * _tileHeight];
    }

    public int TilesPerFrame => _tiles.Count;

    public int OutputWidth => _width * _model.Scale;

    public int OutputHeight => _height * _model.Scale;

    /// <summary>Upscales <paramref name="frames"/> (rgb24, width×height) into <paramref name="outputs"/> (rgb24, scaled).</summary>
    public void Upscale(IReadOnlyList<byte[]> frames, IReadOnlyList<byte[]> outputs, RunOptions? options = null)
    {
        var work = frames.SelectMany((_, f) => _tiles.Select(t => (Frame: f, t.Y, t.X))).ToList();
        var plane = _tileWidth * _tileHeight;
        for (var first = 0; first < work.Count; first += _batch)
        {
            var count = Math.Min(_batch, work.Count - first);
            var run = _model.FixedBatch is null ? count : _batch;
            Array.Clear(_input);
            for (var i = 0; i < count; i++)
            {
                var (frame, y, x) = work[first + i];
                Gather(frames[frame], y.Start, x.Start, _input.AsSpan(i * 3 * plane, 3 * plane));
            }

            var result = _model.Run(_input, run, _tileHeight, _tileWidth, options);
            var outPlane = plane * _model.Scale * _model.Scale;
            for (var i = 0; i < count; i++)
            {
                var (frame, y, x) = work[first + i];
                Scatter(result.AsSpan(i * 3 * outPlane, 3 * outPlane), y, x, outputs[frame]);
            }
        }
    }

    /// <summary>Copies one tile of a frame into the model's layout and value range (edge pixels repeat past the frame).</summary>
    private void Gather(byte[] frame, int top, int left, Span<float> tile)
    {
        var scale = _model.MaxValue / 255f;
        var plane = _tileWidth * _tileHeight;
        for (var ty = 0; ty < _tileHeight; ty++)
        {
            var row = Math.Min(top + ty, _height - 1) * _width;
            for (var tx = 0; tx < _tileWidth; tx++)
            {
                var p = (row + Math.Min(left + tx, _width - 1)) * 3;
                var at = (ty * _tileWidth) + tx;
                for (var c = 0; c < 3; c++)
                {
                    tile[_model.Nhwc ? (at * 3) + c : (c * plane) + at] = frame[p + c] * scale;
                }
            }
        }
    }

    /// <summary>Writes a tile result's core into the output frame, rounded and clamped to 0–255.</summary>
    private void Scatter(ReadOnlySpan<float> tile, TileSpan y, TileSpan x, byte[] output)
    {
        var s = _model.Scale;
        var (tileW, outW) = (_tileWidth * s, _width * s);
        var plane = tileW * _tileHeight * s;
        var scale = 255f / _model.MaxValue;
        for (var oy = y.CoreStart * s; oy < y.CoreEnd * s; oy++)
        {
            var ty = oy - (y.Start * s);
            for (var ox = x.CoreStart * s; ox < x.CoreEnd * s; ox++)
            {
                var at = (ty * tileW) + ox - (x.Start * s);
                var p = ((oy * outW) + ox) * 3;
                for (var c = 0; c < 3; c++)
                {
                    var v = tile[_model.Nhwc ? (at * 3) + c : (c * plane) + at] * scale;
                    output[p + c] = (byte)Math.Clamp(MathF.Round(v), 0f, 255f);
                }
            }
        }
    }
}
