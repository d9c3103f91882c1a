using System.Globalization;
using FfmpegApi.Media.Probe;

namespace FfmpegApi.Media.Specs;

/// <summary>
/// The largest frame a job may decode or produce (default 7680x4320, 8K UHD), either way round: a 4320x7680 portrait
/// frame fits too. Bounds memory (one 8K 4:2:0 frame is ~50 MB; filters hold several) and time.
/// </summary>
public sealed record FrameLimit(int MaxWidth, int MaxHeight)
{
    private int LongSide => Math.Max(MaxWidth, MaxHeight);

    private int ShortSide => Math.Min(MaxWidth, MaxHeight);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{MaxWidth}x{MaxHeight}");

    /// <summary>Whether a frame fits; a side not given (null) is not judged.</summary>
    public bool Fits(int? width, int? height) => (width, height) switch
    {
        ({ } w, { } h) => Math.Max(w, h) <= LongSide && Math.Min(w, h) <= ShortSide,
        ({ } w, null) => w <= LongSide,
        (null, { } h) => h <= LongSide,
        _ => true,
    };

    /// <summary>The frame sizes a spec asks for that do not fit, as (field, message).</summary>
    public IEnumerable<(string Field, string Message)> Check(JobSpec spec) => spec switch
    {
        ConvertSpec convert => Check(convert),
        StreamSpec stream => Check(stream.Streaming.Variants ?? []),
        _ => [],
    };

    private IEnumerable<(string Field, string Message)> Check(ConvertSpec spec)
    {
        var outputs = spec.AllOutputs;
        for (var i = 0; i < outputs.Count; i++)
        {
            if (outputs[i].Video is { } video && !Fits(video.Width, video.Height))
            {
                yield return ($"{(spec.ExtraOutputs.Count == 0 ? "output" : $"outputs[{i}]")}.video.resolution", TooLarge(video.Width, video.Height));
            }
        }

        for (var i = 0; i < spec.Operations.Count; i++)
        {
            var (width, height) = spec.Operations[i] switch
            {
                ScaleOperation scale => (scale.Width, scale.Height),
                PadOperation pad => (pad.Width, (int?)pad.Height),
                _ => (null, null),
            };
            if (!Fits(width, height))
            {
                yield return ($"operations[{i}]", TooLarge(width, height));
            }
        }
    }

    private IEnumerable<(string Field, string Message)> Check(IReadOnlyList<Streaming.RenditionRequest> variants)
    {
        for (var i = 0; i < variants.Count; i++)
        {
            if (variants[i].Height > ShortSide)
            {
                yield return ($"variants[{i}].resolution", $"{variants[i].Height}p is taller than this server produces ({this}, Jobs:MaxWidth/Jobs:MaxHeight).");
            }
        }
    }

    /// <summary>Why a probed input cannot be processed; null when its video (if any) fits.</summary>
    public string? Reject(MediaInfo input, string name) =>
        input.FirstVideo is { Width: > 0, Height: > 0 } video && !Fits(video.Width, video.Height)
            ? string.Create(CultureInfo.InvariantCulture, $"{name} is {video.Width}x{video.Height}; this server processes frames up to {this} (Jobs:MaxWidth/Jobs:MaxHeight).")
            : null;

    private string TooLarge(int? width, int? height) =>
        string.Create(CultureInfo.InvariantCulture, $"{width?.ToString(CultureInfo.InvariantCulture) ?? "auto"}x{height?.ToString(CultureInfo.InvariantCulture) ?? "auto"} is larger than this server produces ({this}, Jobs:MaxWidth/Jobs:MaxHeight).");
}
