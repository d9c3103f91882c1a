using System.Text.Json.Serialization;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Endpoints.Requests.Operations;

/// <summary>
/// One entry of <c>operations</c>, applied in the order given; <c>type</c> says which (case-insensitive). Its fields may
/// also sit in a <c>params</c> object, as the original API documented them. docs/api.md has the table.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(Trim), "trim")]
[JsonDerivedType(typeof(Scale), "scale")]
[JsonDerivedType(typeof(Resize), "resize")]
[JsonDerivedType(typeof(Crop), "crop")]
[JsonDerivedType(typeof(Pad), "pad")]
[JsonDerivedType(typeof(Letterbox), "letterbox")]
[JsonDerivedType(typeof(Rotate), "rotate")]
[JsonDerivedType(typeof(Flip), "flip")]
[JsonDerivedType(typeof(Fps), "fps")]
[JsonDerivedType(typeof(Speed), "speed")]
[JsonDerivedType(typeof(Watermark), "watermark")]
[JsonDerivedType(typeof(Text), "text")]
[JsonDerivedType(typeof(Denoise), "denoise")]
[JsonDerivedType(typeof(Sharpen), "sharpen")]
[JsonDerivedType(typeof(Deinterlace), "deinterlace")]
[JsonDerivedType(typeof(Tonemap), "tonemap")]
[JsonDerivedType(typeof(Color), "color")]
[JsonDerivedType(typeof(Grayscale), "grayscale")]
[JsonDerivedType(typeof(Fade), "fade")]
[JsonDerivedType(typeof(Volume), "volume")]
[JsonDerivedType(typeof(Normalize), "normalize")]
[JsonDerivedType(typeof(RemoveAudio), "remove_audio")]
[JsonDerivedType(typeof(Subtitles), "subtitles")]
[JsonDerivedType(typeof(Concat), "concat")]
[JsonDerivedType(typeof(Upscale), "upscale")]
[JsonDerivedType(typeof(Blur), "blur")]
[JsonDerivedType(typeof(Hue), "hue")]
[JsonDerivedType(typeof(Stabilize), "stabilize")]
[JsonDerivedType(typeof(Filter), "filter")]
[JsonDerivedType(typeof(Transcode), "transcode")]
[JsonDerivedType(typeof(Thumbnail), "thumbnail")]
[JsonDerivedType(typeof(ThumbnailGrid), "thumbnail_grid")]
public abstract record Operation
{
    /// <summary>The operation's spec, or null with its mistakes recorded in <paramref name="scope"/>.</summary>
    internal abstract OperationSpec? ToSpec(OperationScope scope);
}
