namespace FfmpegApi.Core.Upscaling;

/// <summary>
/// One tile along an axis: the model reads <c>[Start, Start + tile)</c> and the result keeps only its core
/// <c>[CoreStart, CoreEnd)</c>, so each output pixel comes from a tile that saw at least the overlap of context
/// around it (except at the frame's own edges).
/// </summary>
public readonly record struct TileSpan(int Start, int CoreStart, int CoreEnd);

/// <summary>Cuts an axis into overlapping tiles whose cores cover it exactly once. Pure.</summary>
public static class TileGrid
{
    /// <summary>
    /// Tiles of length <paramref name="tile"/> over <paramref name="length"/> pixels. A tile at least as long as the axis
    /// is one tile at 0 (a fixed-size model then reads past the edge, which the caller pads). The overlap is reduced
    /// when a tile could not otherwise advance.
    /// </summary>
    public static IReadOnlyList<TileSpan> Axis(int length, int tile, int overlap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tile, 1);
        if (tile >= length)
        {
            return [new TileSpan(0, 0, length)];
        }

        overlap = Math.Clamp(overlap, 0, (tile - 1) / 2);
        var spans = new List<TileSpan>();
        var core = 0;
        while (core < length)
        {
            var start = Math.Max(0, Math.Min(core - overlap, length - tile));
            var end = start + tile >= length ? length : start + tile - overlap;
            spans.Add(new TileSpan(start, core, end));
            core = end;
        }

        return spans;
    }
}
