using FfmpegApi.Media.Specs;
using static FfmpegApi.Media.Commands.Filtergraph.FilterEscaping;

namespace FfmpegApi.Media.Commands.Filtergraph;

/// <summary>Scale into a box with a fit strategy; expressions use quotes so their commas stay inside the filter.</summary>
public sealed record FitScaleStep(int? Width, int? Height, ScaleFit Fit, bool AllowUpscale) : IVideoFilterStep
{
    public string Filter
    {
        get
        {
            if (Width is null || Height is null)
            {
                // One side: the other follows the aspect ratio, rounded to even.
                var w = Width is { } ww ? Side(ww, "iw") : "-2";
                var h = Height is { } hh ? Side(hh, "ih") : "-2";
                return $"scale=w={w}:h={h}:flags=lanczos";
            }

            var (bw, bh) = (Width.Value, Height.Value);
            return Fit switch
            {
                ScaleFit.Stretch => $"scale=w={bw}:h={bh}:flags=lanczos",
                ScaleFit.Cover => $"scale=w={bw}:h={bh}:force_original_aspect_ratio=increase:flags=lanczos,crop=w={bw}:h={bh}",
                ScaleFit.Pad => $"scale=w={bw}:h={bh}:force_original_aspect_ratio=decrease:force_divisible_by=2:flags=lanczos,pad=w={bw}:h={bh}:x=(ow-iw)/2:y=(oh-ih)/2:color=black",
                _ => $"scale=w={Side(bw, "iw")}:h={Side(bh, "ih")}:force_original_aspect_ratio=decrease:force_divisible_by=2:flags=lanczos",
            };
        }
    }

    private string Side(int size, string input) => AllowUpscale ? size.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"'min({size},{input})'";
}

public sealed record CropStep(int Width, int Height, int? X, int? Y) : IVideoFilterStep
{
    public string Filter => $"crop=w={Width}:h={Height}:x={X?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(iw-ow)/2"}:y={Y?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(ih-oh)/2"}";
}

public sealed record PadStep(int Width, int Height, string Color, int? X, int? Y) : IVideoFilterStep
{
    public string Filter =>
        $"pad=w={Width}:h={Height}:x={X?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(ow-iw)/2"}:y={Y?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(oh-ih)/2"}:color={UserValue(Color)}";
}

/// <summary>Clockwise rotation by quarter turns (transpose keeps the pixels exact; no interpolation).</summary>
public sealed record RotateStep(int Angle) : IVideoFilterStep
{
    public string Filter => Angle switch
    {
        90 => "transpose=clock",
        180 => "hflip,vflip",
        270 => "transpose=cclock",
        _ => throw new ArgumentOutOfRangeException(nameof(Angle), Angle, "Only 90, 180 and 270 degrees."),
    };
}

public sealed record FlipStep(FlipDirection Direction) : IVideoFilterStep
{
    public string Filter => Direction switch
    {
        FlipDirection.Horizontal => "hflip",
        FlipDirection.Vertical => "vflip",
        _ => "hflip,vflip",
    };
}

public sealed record FpsFilterStep(double Fps) : IVideoFilterStep
{
    public string Filter => $"fps={Number(Fps)}";
}

/// <summary>Video half of a speed change: timestamps divided by the factor.</summary>
public sealed record VideoSpeedStep(double Factor) : IVideoFilterStep
{
    public string Filter => $"setpts=PTS/{Number(Factor)}";
}

public sealed record DenoiseStep(FilterStrength Strength) : IVideoFilterStep
{
    public string Filter => Strength switch
    {
        FilterStrength.Light => "hqdn3d=2:1.5:3:2.25",
        FilterStrength.Strong => "hqdn3d=8:6:12:9",
        _ => "hqdn3d=4:3:6:4.5",
    };
}

public sealed record SharpenStep(double Amount) : IVideoFilterStep
{
    public string Filter => $"unsharp=luma_msize_x=5:luma_msize_y=5:luma_amount={Number(Amount)}";
}

public sealed record BlurStep(double Sigma) : IVideoFilterStep
{
    public string Filter => $"gblur=sigma={Number(Sigma)}";
}

public sealed record HueStep(double Degrees, double Saturation) : IVideoFilterStep
{
    public string Filter => $"hue=h={Number(Degrees)}:s={Number(Saturation)}";
}

/// <summary>deshake: the search range (pixels each way, a multiple of 16 up to 64) grows with the strength; the uncovered edge is mirrored.</summary>
public sealed record StabilizeStep(FilterStrength Strength) : IVideoFilterStep
{
    public string Filter => Strength switch
    {
        FilterStrength.Light => "deshake=rx=16:ry=16",
        FilterStrength.Strong => "deshake=rx=48:ry=48",
        _ => "deshake=rx=32:ry=32",
    };
}

/// <summary>bwdif: motion-adaptive, better than yadif; frame rate kept (one frame per frame).</summary>
public sealed record DeinterlaceStep : IVideoFilterStep
{
    public string Filter => "bwdif=mode=send_frame:parity=auto:deint=interlaced";
}

/// <summary>
/// HDR to SDR with zscale (zimg) and tonemap: to linear light (100 nits as reference white), BT.709 primaries, the
/// curve, then BT.709 transfer and matrix in limited range, 8-bit 4:2:0. zscale tags the frames, so the output says
/// BT.709. PQ and HLG sources both work (zscale reads their transfer from the stream).
/// </summary>
public sealed record TonemapStep(Specs.TonemapCurve Curve) : IVideoFilterStep
{
    public string Filter =>
        $"zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap={Curve.ToString().ToLowerInvariant()}:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p";
}

public sealed record ColorStep(double Brightness, double Contrast, double Saturation, double Gamma) : IVideoFilterStep
{
    public string Filter => $"eq=brightness={Number(Brightness)}:contrast={Number(Contrast)}:saturation={Number(Saturation)}:gamma={Number(Gamma)}";
}

/// <summary>Grayscale that stays in a 4:2:0 format every encoder takes (neutral chroma).</summary>
public sealed record GrayscaleStep : IVideoFilterStep
{
    public string Filter => "hue=s=0";
}

/// <summary>Video fade from/to black over [Start, Start + Duration] in output time.</summary>
public sealed record VideoFadeStep(FadeDirection Direction, double Start, double Duration) : IVideoFilterStep
{
    public string Filter => $"fade=t={(Direction == FadeDirection.In ? "in" : "out")}:st={Number(Start)}:d={Number(Duration)}";
}

/// <summary>
/// drawtext with the user's text escaped at both filter levels and <c>expansion=none</c>, so neither graph syntax
/// nor <c>%{…}</c> expansions in the text have any effect. Fonts come from fontconfig (Debian: fonts-dejavu-core).
/// </summary>
public sealed record DrawTextStep(string Text, OverlayPosition Position, int FontSize, string Color, bool Box, int Margin, double? Start, double? End) : IVideoFilterStep
{
    public string Filter
    {
        get
        {
            var (x, y) = Placement.Of(Position, Margin, "w", "h", "tw", "th");
            var filter = $"drawtext=font=Sans:expansion=none:text={UserValue(Text)}:fontsize={FontSize}:fontcolor={UserValue(Color)}:x={x}:y={y}";
            if (Box)
            {
                filter += ":box=1:boxcolor=black@0.5:boxborderw=8";
            }

            if (Start is not null || End is not null)
            {
                filter += $":enable='between(t,{Number(Start ?? 0)},{Number(End ?? 1e9)})'";
            }

            return filter;
        }
    }
}

/// <summary>x/y expressions for a position with a margin (shared by overlay and drawtext).</summary>
public static class Placement
{
    public static (string X, string Y) Of(OverlayPosition position, int margin, string mainW, string mainH, string itemW, string itemH)
    {
        var left = margin.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var right = $"{mainW}-{itemW}-{margin}";
        var centreX = $"({mainW}-{itemW})/2";
        var bottom = $"{mainH}-{itemH}-{margin}";
        var centreY = $"({mainH}-{itemH})/2";
        return position switch
        {
            OverlayPosition.TopLeft => (left, left),
            OverlayPosition.TopRight => (right, left),
            OverlayPosition.BottomLeft => (left, bottom),
            OverlayPosition.Center => (centreX, centreY),
            OverlayPosition.Top => (centreX, left),
            OverlayPosition.Bottom => (centreX, bottom),
            _ => (right, bottom),
        };
    }
}

/// <summary>
/// An image over the video: optional opacity (alpha multiplied) and a width relative to the video's
/// (scale2ref: <c>iw</c> there is the reference video's width, <c>main_a</c> the image's own aspect).
/// </summary>
public sealed record WatermarkStep(string ImageFile, OverlayPosition Position, int Margin, double Opacity, double? Scale) : IOverlayStep
{
    public string OverlayInput => ImageFile;

    public string Graph(string source, int inputIndex, string target)
    {
        var image = $"wm{inputIndex}";
        var prepared = $"[{inputIndex}:v:0]format=rgba";
        if (Opacity < 1)
        {
            prepared += $",colorchannelmixer=aa={Number(Opacity)}";
        }

        var parts = new List<string>();
        var video = source;
        if (Scale is { } s)
        {
            parts.Add($"{prepared}[{image}a]");
            parts.Add($"[{image}a][{source}]scale2ref=w=iw*{Number(s)}:h=ow/main_a[{image}][{image}base]");
            video = $"{image}base";
        }
        else
        {
            parts.Add($"{prepared}[{image}]");
        }

        var (x, y) = Placement.Of(Position, Margin, "W", "H", "w", "h");
        parts.Add($"[{video}][{image}]overlay=x={x}:y={y}:eof_action=repeat:format=auto[{target}]");
        return string.Join(';', parts);
    }
}

/// <summary>
/// A 256-colour palette for GIF. Per frame (<c>stats_mode=single</c>, <c>new=1</c>) rather than one palette for the
/// whole clip: a global palette needs every frame buffered until the end, which is unbounded memory for long inputs.
/// </summary>
public sealed record GifPaletteStep : IVideoFilterStep
{
    public string Filter => "split[gifa][gifb];[gifa]palettegen=stats_mode=single:reserve_transparent=0[gifp];[gifb][gifp]paletteuse=new=1:dither=bayer:bayer_scale=3";
}

/// <summary>
/// Burned-in subtitles (libass). With an input seek the frames start at 0 while the subtitle file keeps the source's
/// times, so the timestamps are shifted back for the filter and forward again after it.
/// </summary>
public sealed record SubtitleBurnStep(string SubtitleFile, double InputOffsetSeconds) : IVideoFilterStep
{
    public string Filter
    {
        get
        {
            var burn = $"subtitles=filename={UserValue(SubtitleFile)}";
            if (InputOffsetSeconds <= 0)
            {
                return burn;
            }

            var offset = Number(InputOffsetSeconds);
            return $"setpts=PTS+{offset}/TB,{burn},setpts=PTS-{offset}/TB";
        }
    }
}
