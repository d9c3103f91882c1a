using System.Globalization;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Commands.Filtergraph;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Hardware;

/// <summary>
/// How a job uses a device: whether the input is decoded on it (frames then stay in device memory until a step has no
/// device form) and, per output, whether the encoder runs on it. Shapes: full (decode, device filters, device
/// encode), mixed (a <c>hwdownload</c> before the first system-memory filter, an upload before a VAAPI/QSV encoder),
/// decode-only (e.g. H100/H200: NVDEC but no NVENC), encode-only (input codec not decodable on the device).
/// </summary>
public sealed record HardwareUse(HardwareDevice Device, bool Decode, bool TenBit, string InputCodec)
{
    /// <summary>
    /// The use of <paramref name="device"/> for this job, or null when it would do nothing (no output encodes on it and
    /// the input cannot be decoded on it). Inputs joined by concat or mixed with overlay images decode in software: their
    /// graphs read several inputs.
    /// </summary>
    public static HardwareUse? For(HardwareDevice? device, ConvertSpec spec, MediaInfo? input, bool severalInputs)
    {
        if (device is null || input?.FirstVideo is not { } video || !spec.AllOutputs.Any(o => o.Video is { Codec: not "copy" }))
        {
            return null;
        }

        var codec = video.CodecName ?? string.Empty;
        var decode = !severalInputs && device.Decoders.Contains(codec, StringComparer.Ordinal);
        var encodes = spec.AllOutputs.Any(o => o.Video is { } v && EncoderOn(device, v, spec.AllOutputs.Count) is not null);
        return decode || encodes ? new HardwareUse(device, decode, IsTenBit(video.PixelFormat), codec) : null;
    }

    /// <summary>The device encoder for an output, or null (no device form of the codec, or two-pass, which hardware encoders do not do).</summary>
    public static string? EncoderOn(HardwareDevice device, VideoSpec video, int outputs) =>
        video.TwoPass && outputs == 1 ? null
        : HardwareCatalog.EncoderFor(video.Codec, device.Vendor) is { } encoder && device.Encoders.Contains(encoder, StringComparer.Ordinal) ? encoder : null;

    /// <summary>The input options that decode on the device (empty when decoding in software).</summary>
    public IEnumerable<string> InputArguments => Decode ? HardwareCatalog.DecodeArguments(Device.Vendor, Device.Node, InputCodec) : DeviceOnly;

    /// <summary>An encode-only VAAPI/QSV pipeline still needs the device for its upload filter.</summary>
    private IEnumerable<string> DeviceOnly => Device.Vendor == HardwareVendor.Nvidia ? [] : HardwareCatalog.DeviceArguments(Device.Vendor, Device.Node);

    /// <summary>
    /// The video filter steps of one output rewritten for the device: while frames are in device memory each step with a
    /// device form is replaced by it (scale, deinterlace) and timing-only steps (fps, setpts) stay; the first other
    /// step is preceded by a download. At the end frames are downloaded for a software encoder, or uploaded for a
    /// VAAPI/QSV encoder (NVENC reads system memory itself).
    /// </summary>
    public IReadOnlyList<ICommandStep> Rewrite(IReadOnlyList<ICommandStep> steps, bool encoderOnDevice)
    {
        var result = new List<ICommandStep>();
        var onDevice = Decode;
        foreach (var step in steps)
        {
            if (onDevice && DeviceForm(step) is { } deviceStep)
            {
                result.Add(deviceStep);
                continue;
            }

            if (onDevice && step is not (FpsFilterStep or VideoSpeedStep))
            {
                result.Add(new DeviceFilterStep(HardwareCatalog.Download(TenBit)));
                onDevice = false;
            }

            result.Add(step);
        }

        if (onDevice && !encoderOnDevice)
        {
            result.Add(new DeviceFilterStep(HardwareCatalog.Download(TenBit)));
        }
        else if (!onDevice && encoderOnDevice && Device.Vendor != HardwareVendor.Nvidia)
        {
            result.Add(new DeviceFilterStep(HardwareCatalog.Upload(Device.Vendor)));
        }

        return result;
    }

    /// <summary>Whether frames reach the encoder in device memory (then the encoder must not be given a system pixel format).</summary>
    public bool FramesOnDeviceAtEncoder(IReadOnlyList<ICommandStep> rewritten, bool encoderOnDevice) =>
        encoderOnDevice && (Device.Vendor != HardwareVendor.Nvidia || (Decode && !rewritten.OfType<DeviceFilterStep>().Any(s => s.Filter.StartsWith("hwdownload", StringComparison.Ordinal))));

    /// <summary>One line for the job log: <c>nvidia:0 (decode h264 on device, encode h264_nvenc)</c>.</summary>
    public string Describe(IEnumerable<string> encoders) =>
        $"{Device.Name}{(Device.Assumed ? " (assumed)" : string.Empty)}: decode {(Decode ? InputCodec + " on device" : "in software")}, encode {string.Join(", ", encoders)}";

    private DeviceFilterStep? DeviceForm(ICommandStep step) => step switch
    {
        FitScaleStep s when Device.Scale && (s.Width is null || s.Height is null || s.Fit is ScaleFit.Contain or ScaleFit.Stretch) => new(Scale(s)),
        DeinterlaceStep when Device.Deinterlace => new(Deinterlace()),
        _ => null,
    };

    private string Scale(FitScaleStep s)
    {
        var filter = HardwareCatalog.ScaleFilter(Device.Vendor);
        var quality = Device.Vendor switch
        {
            HardwareVendor.Nvidia => ":interp_algo=lanczos",
            HardwareVendor.Vaapi => ":mode=hq",
            _ => string.Empty,
        };
        string Side(int size, string input) => s.AllowUpscale ? Number(size) : $"'min({Number(size)},{input})'";
        if (s.Width is null || s.Height is null)
        {
            return $"{filter}=w={(s.Width is { } w ? Side(w, "iw") : "-2")}:h={(s.Height is { } h ? Side(h, "ih") : "-2")}{quality}";
        }

        var (bw, bh) = (s.Width.Value, s.Height.Value);
        if (s.Fit == ScaleFit.Stretch)
        {
            return $"{filter}=w={Number(bw)}:h={Number(bh)}{quality}";
        }

        if (Device.Vendor == HardwareVendor.Intel)
        {
            // scale_qsv has no force_original_aspect_ratio: the side that binds is chosen by the aspect ratio, the other follows (-2: even).
            var box = $"{Number(bw)}/{Number(bh)}";
            return $"{filter}=w='if(gte(a,{box}),{Inner(Side(bw, "iw"))},-2)':h='if(gte(a,{box}),-2,{Inner(Side(bh, "ih"))})'";
        }

        return $"{filter}=w={Side(bw, "iw")}:h={Side(bh, "ih")}:force_original_aspect_ratio=decrease:force_divisible_by=2{quality}";
    }

    private string Deinterlace() => Device.Vendor switch
    {
        HardwareVendor.Nvidia => "yadif_cuda=mode=send_frame:parity=auto:deint=interlaced",
        HardwareVendor.Intel => "deinterlace_qsv",
        _ => "deinterlace_vaapi",
    };

    private static string Inner(string side) => side.Trim('\'');

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static bool IsTenBit(string? pixelFormat) =>
        pixelFormat is not null && (pixelFormat.Contains("10", StringComparison.Ordinal) || pixelFormat.Contains("12", StringComparison.Ordinal));
}

/// <summary>The options before <c>-i</c> that open the device (and decode on it when the plan does).</summary>
public sealed record HardwareInputStep(HardwareUse Use) : IInputOptionStep
{
    public IEnumerable<string> InputArguments => Use.InputArguments;
}

/// <summary>A filter that runs on, or moves frames to or from, a hardware device.</summary>
public sealed record DeviceFilterStep(string Filter) : IVideoFilterStep;
