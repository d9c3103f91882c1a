using System.Text.Json.Serialization;

namespace FfmpegApi.Media.Specs;

/// <summary>
/// One entry of a job's <c>operations</c>, applied in order. Stored as JSON with a <c>type</c> discriminator,
/// so names here are part of the stored format: add types, never rename them.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TrimOperation), "trim")]
[JsonDerivedType(typeof(ScaleOperation), "scale")]
[JsonDerivedType(typeof(CropOperation), "crop")]
[JsonDerivedType(typeof(PadOperation), "pad")]
[JsonDerivedType(typeof(RotateOperation), "rotate")]
[JsonDerivedType(typeof(FlipOperation), "flip")]
[JsonDerivedType(typeof(FpsOperation), "fps")]
[JsonDerivedType(typeof(SpeedOperation), "speed")]
[JsonDerivedType(typeof(WatermarkOperation), "watermark")]
[JsonDerivedType(typeof(TextOperation), "text")]
[JsonDerivedType(typeof(DenoiseOperation), "denoise")]
[JsonDerivedType(typeof(SharpenOperation), "sharpen")]
[JsonDerivedType(typeof(DeinterlaceOperation), "deinterlace")]
[JsonDerivedType(typeof(TonemapOperation), "tonemap")]
[JsonDerivedType(typeof(ColorOperation), "color")]
[JsonDerivedType(typeof(GrayscaleOperation), "grayscale")]
[JsonDerivedType(typeof(FadeOperation), "fade")]
[JsonDerivedType(typeof(VolumeOperation), "volume")]
[JsonDerivedType(typeof(NormalizeOperation), "normalize")]
[JsonDerivedType(typeof(RemoveAudioOperation), "remove_audio")]
[JsonDerivedType(typeof(SubtitlesOperation), "subtitles")]
[JsonDerivedType(typeof(ConcatOperation), "concat")]
[JsonDerivedType(typeof(UpscaleOperation), "upscale")]
[JsonDerivedType(typeof(BlurOperation), "blur")]
[JsonDerivedType(typeof(HueOperation), "hue")]
[JsonDerivedType(typeof(StabilizeOperation), "stabilize")]
public abstract record OperationSpec;

/// <summary>Keep <see cref="Duration"/> seconds starting at <see cref="Start"/> (null duration: to the end).</summary>
public sealed record TrimOperation(double Start, double? Duration) : OperationSpec;

/// <summary>How a scale fits a width×height box.</summary>
public enum ScaleFit
{
    /// <summary>Fit inside the box, keep the aspect ratio (the default).</summary>
    Contain,

    /// <summary>Fill the box, keep the aspect ratio, crop the overflow (centred).</summary>
    Cover,

    /// <summary>Exactly the box; the picture is distorted when aspects differ.</summary>
    Stretch,

    /// <summary>Fit inside the box and letterbox/pillarbox to exactly the box.</summary>
    Pad,
}

/// <summary>
/// Scale to a size; a null side keeps the aspect ratio (rounded to an even number). Without
/// <see cref="AllowUpscale"/> a smaller input keeps its size (contain/one side) rather than being blown up.
/// </summary>
public sealed record ScaleOperation(int? Width, int? Height, ScaleFit Fit = ScaleFit.Contain, bool AllowUpscale = false) : OperationSpec;

/// <summary>Cut a Width×Height rectangle; a null X/Y centres it.</summary>
public sealed record CropOperation(int Width, int Height, int? X = null, int? Y = null) : OperationSpec;

/// <summary>Grow the canvas to Width×Height with a colour; a null X/Y centres the picture.</summary>
public sealed record PadOperation(int Width, int Height, string Color = "black", int? X = null, int? Y = null) : OperationSpec;

/// <summary>Rotate clockwise by 90, 180 or 270 degrees.</summary>
public sealed record RotateOperation(int Angle) : OperationSpec;

public enum FlipDirection
{
    Horizontal,
    Vertical,
    Both,
}

public sealed record FlipOperation(FlipDirection Direction) : OperationSpec;

/// <summary>Change the frame rate by dropping/duplicating frames (duration unchanged).</summary>
public sealed record FpsOperation(double Fps) : OperationSpec;

/// <summary>Play faster (&gt; 1) or slower (&lt; 1); video and audio together, audio pitch kept.</summary>
public sealed record SpeedOperation(double Factor) : OperationSpec;

public enum OverlayPosition
{
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
    Center,
    Top,
    Bottom,
}

/// <summary>
/// Overlay an image (a virtual path inside a mount). <see cref="Scale"/> is the watermark's width as a fraction
/// of the video's width; null keeps the image's own size.
/// </summary>
public sealed record WatermarkOperation(string Image, OverlayPosition Position = OverlayPosition.BottomRight, int Margin = 10, double Opacity = 1, double? Scale = null) : OperationSpec;

/// <summary>Draw text. The text is escaped so it can never become filtergraph syntax.</summary>
public sealed record TextOperation(
    string Text,
    OverlayPosition Position = OverlayPosition.Bottom,
    int FontSize = 24,
    string Color = "white",
    bool Box = true,
    int Margin = 10,
    double? Start = null,
    double? End = null) : OperationSpec;

public enum FilterStrength
{
    Light,
    Medium,
    Strong,
}

public sealed record DenoiseOperation(FilterStrength Strength = FilterStrength.Medium) : OperationSpec;

/// <summary>Unsharp mask; <see cref="Amount"/> 0–3 (negative blurs, down to −2).</summary>
public sealed record SharpenOperation(double Amount = 1) : OperationSpec;

public sealed record DeinterlaceOperation : OperationSpec;

/// <summary>Gaussian blur of <see cref="Sigma"/> pixels.</summary>
public sealed record BlurOperation(double Sigma = 2) : OperationSpec;

/// <summary>Turn the colours by <see cref="Degrees"/> around the hue circle and scale their <see cref="Saturation"/>.</summary>
public sealed record HueOperation(double Degrees = 0, double Saturation = 1) : OperationSpec;

/// <summary>Steady a shaky picture (one pass: each frame is matched to the one before and moved back).</summary>
public sealed record StabilizeOperation(FilterStrength Strength = FilterStrength.Medium) : OperationSpec;

/// <summary>The curve that maps HDR light levels into SDR's range (ffmpeg's tonemap filter).</summary>
public enum TonemapCurve
{
    Hable,
    Mobius,
    Reinhard,
    Clip,
}

/// <summary>HDR (PQ or HLG, BT.2020) to SDR BT.709, 8-bit: linear light, the curve, BT.709 primaries and transfer.</summary>
public sealed record TonemapOperation(TonemapCurve Curve = TonemapCurve.Hable) : OperationSpec;

/// <summary>Brightness −1…1 (0 = unchanged), contrast/saturation 0…3 (1), gamma 0.1…10 (1).</summary>
public sealed record ColorOperation(double Brightness = 0, double Contrast = 1, double Saturation = 1, double Gamma = 1) : OperationSpec;

public sealed record GrayscaleOperation : OperationSpec;

public enum FadeDirection
{
    In,
    Out,
}

/// <summary>
/// Fade video (and audio) in from black or out to black. A fade in starts at <see cref="Start"/> (default 0);
/// a fade out ends at the end of the output unless <see cref="Start"/> is given.
/// </summary>
public sealed record FadeOperation(FadeDirection Direction, double Duration, double? Start = null) : OperationSpec;

/// <summary>Change loudness by a gain in dB (positive louder).</summary>
public sealed record VolumeOperation(double GainDb) : OperationSpec;

/// <summary>
/// EBU R128 loudness normalisation (<c>loudnorm</c>): integrated loudness, true peak and loudness range targets.
/// Two-pass measures first and then applies a linear gain, which keeps dynamics intact.
/// </summary>
public sealed record NormalizeOperation(double IntegratedLufs = -16, double TruePeakDb = -1.5, double LoudnessRange = 11, bool TwoPass = true) : OperationSpec;

/// <summary>Drop the audio (the output has video only). Applied when the request is mapped.</summary>
public sealed record RemoveAudioOperation : OperationSpec;

public enum SubtitleMode
{
    /// <summary>Rendered into the picture (libass); every player shows them.</summary>
    Burn,

    /// <summary>A selectable subtitle track in the container (mov_text in MP4/MOV, SubRip/ASS in MKV, WebVTT in WebM).</summary>
    Soft,
}

/// <summary>Subtitles from an SRT/ASS/WebVTT file (a virtual path), burned in or muxed as a track.</summary>
public sealed record SubtitlesOperation(string File, SubtitleMode Mode = SubtitleMode.Burn, string? Language = null) : OperationSpec;

/// <summary>
/// Join further inputs (virtual paths) after the job's input, before every other operation. Each part is brought to
/// the first input's size (letterboxed), frame rate and audio format, so differing sources join cleanly.
/// </summary>
public sealed record ConcatOperation(IReadOnlyList<string> Inputs) : OperationSpec;

public enum UpscaleDevice
{
    /// <summary>The execution provider the worker chose at start (CUDA where present, else CPU).</summary>
    Auto,

    /// <summary>Only on a worker whose ONNX Runtime runs on a GPU (routed there by the claim).</summary>
    Gpu,
}

/// <summary>
/// Super-resolution with an operator-registered ONNX model (Real-ESRGAN family): frames are decoded, upscaled by
/// <see cref="Scale"/> and re-encoded. <see cref="Model"/> is resolved at submission (the stored spec names it).
/// Operations before it in the list run on the source frames (only size-keeping filters may), the rest on the result.
/// </summary>
public sealed record UpscaleOperation(int Scale, string Model, UpscaleDevice Device = UpscaleDevice.Auto) : OperationSpec;

/// <summary>Which streams an operation works on (an operation on a stream the output lacks is refused).</summary>
public static class OperationStreams
{
    public static bool NeedsVideo(OperationSpec operation) => operation is ScaleOperation or CropOperation or PadOperation or RotateOperation
        or FlipOperation or FpsOperation or WatermarkOperation or TextOperation or DenoiseOperation or SharpenOperation
        or DeinterlaceOperation or TonemapOperation or ColorOperation or GrayscaleOperation or SubtitlesOperation or UpscaleOperation
        or BlurOperation or HueOperation or StabilizeOperation;

    public static bool NeedsAudio(OperationSpec operation) => operation is VolumeOperation or NormalizeOperation;

    /// <summary>The operation's <c>type</c> as clients write it (<c>remove_audio</c>), for messages.</summary>
    public static string WireName(OperationSpec operation) =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(operation.GetType().Name.Replace("Operation", string.Empty, StringComparison.Ordinal));
}
