namespace FfmpegApi.Media.Hardware;

/// <summary>A family of video hardware ffmpeg can drive: NVIDIA (CUDA/NVDEC/NVENC), Intel Quick Sync, VAAPI (Intel, AMD).</summary>
public enum HardwareVendor
{
    Nvidia,
    Intel,
    Vaapi,
}

/// <summary><c>options.hardware_acceleration</c>: hardware when it helps (auto), never (none), or one vendor.</summary>
public enum HardwareMode
{
    Auto,
    None,
    Nvidia,
    Intel,
    Vaapi,
}

/// <summary>What a job asked for: a mode and, optionally, which device of that vendor (<c>options.hardware_device</c>).</summary>
public sealed record HardwareRequest(HardwareMode Mode = HardwareMode.Auto, int? Device = null)
{
    public static HardwareRequest Default { get; } = new();

    /// <summary>The vendor a job insists on (null for auto and none).</summary>
    public HardwareVendor? Vendor => Mode switch
    {
        HardwareMode.Nvidia => HardwareVendor.Nvidia,
        HardwareMode.Intel => HardwareVendor.Intel,
        HardwareMode.Vaapi => HardwareVendor.Vaapi,
        _ => null,
    };
}

/// <summary>
/// A device that passed its trials: which codecs it decodes (<c>h264</c>, <c>hevc</c>, …), which encoders work
/// (<c>h264_nvenc</c>, …) and whether its scaler works. <see cref="Node"/> is what ffmpeg is given: the CUDA index
/// for NVIDIA, the DRI render node for Intel and VAAPI.
/// </summary>
public sealed record HardwareDevice(HardwareVendor Vendor, int Index, string Node)
{
    public IReadOnlyList<string> Decoders { get; init; } = [];

    public IReadOnlyList<string> Encoders { get; init; } = [];

    public bool Scale { get; init; }

    public bool Deinterlace { get; init; }

    /// <summary>True when the device was declared by <c>Hardware:Assume</c> instead of found by trial.</summary>
    public bool Assumed { get; init; }

    /// <summary>How people name it: <c>nvidia:0</c>.</summary>
    public string Name => $"{HardwareCatalog.Key(Vendor)}:{Index}";
}

/// <summary>Why a vendor is not usable here (no device node, the build lacks it, every trial failed).</summary>
public sealed record HardwareNote(HardwareVendor Vendor, string Reason);

/// <summary>What was found at worker start: the working devices and, for every vendor without one, the reason.</summary>
public sealed record HardwareInventory(IReadOnlyList<HardwareDevice> Devices, IReadOnlyList<HardwareNote> Notes)
{
    public static HardwareInventory None { get; } = new([], []);

    /// <summary>The device a job gets: the requested index of that vendor, else its first device.</summary>
    public HardwareDevice? Find(HardwareVendor vendor, int? index = null) =>
        Devices.FirstOrDefault(d => d.Vendor == vendor && (index is null || d.Index == index));

    /// <summary>Why <paramref name="vendor"/> cannot be used here, for a 422 or the capabilities page.</summary>
    public string WhyUnavailable(HardwareVendor vendor) =>
        Notes.FirstOrDefault(n => n.Vendor == vendor)?.Reason ?? $"no {HardwareCatalog.Label(vendor)} device was found";
}
