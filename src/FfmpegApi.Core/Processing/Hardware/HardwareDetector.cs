using System.Globalization;
using System.Text.RegularExpressions;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Hardware;
using FfmpegApi.Media.Process;

namespace FfmpegApi.Core.Processing.Hardware;

/// <summary>Runs one trial ffmpeg command; returns null when it succeeded, else the error it printed.</summary>
public interface IHardwareTrials
{
    Task<string?> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken);
}

/// <summary>Trials with the configured ffmpeg, each bounded by <c>Hardware:TrialTimeoutSeconds</c>.</summary>
public sealed class FfmpegHardwareTrials(string ffmpeg, TimeSpan timeout) : IHardwareTrials
{
    public async Task<string?> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        try
        {
            var result = await FfmpegProcess.CaptureAsync(ffmpeg, arguments, timeout, cancellationToken);
            return result.ExitCode == 0 && !result.Stopped ? null : result.Stopped ? "the trial timed out" : result.LastError ?? $"exit code {result.ExitCode}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return ex.Message;
        }
    }
}

/// <summary>A device node found on the machine, before any trial.</summary>
public sealed record DeviceCandidate(HardwareVendor Vendor, int Index, string Node);

/// <summary>
/// Finds video hardware by trial, not by listings alone: the build's <c>-hwaccels/-encoders/-filters</c> name the
/// candidates, device nodes say which devices exist (<c>/dev/nvidiaN</c>; <c>/dev/dri/renderD*</c> with the PCI vendor
/// from sysfs), and a one-frame encode, decode and scale per candidate says what really works. A data-centre GPU
/// (H100/H200: NVDEC, no NVENC) thus comes out with decoders and a scaler but no encoders.
/// </summary>
public static partial class HardwareDetector
{
    private const string IntelPci = "0x8086";

    [GeneratedRegex(@"^nvidia(\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex NvidiaNode();

    [GeneratedRegex(@"^renderD(\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex RenderNode();

    /// <summary>Device nodes under <paramref name="root"/>: each NVIDIA GPU, and each render node as VAAPI (and Quick Sync when it is Intel's).</summary>
    public static IReadOnlyList<DeviceCandidate> Enumerate(string root)
    {
        var found = new List<DeviceCandidate>();
        var dev = Path.Combine(root, "dev");
        if (Directory.Exists(dev))
        {
            foreach (var name in Directory.EnumerateFiles(dev).Select(Path.GetFileName).Order(StringComparer.Ordinal))
            {
                if (NvidiaNode().Match(name!) is { Success: true } m)
                {
                    var index = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                    found.Add(new DeviceCandidate(HardwareVendor.Nvidia, index, m.Groups[1].Value));
                }
            }
        }

        var dri = Path.Combine(dev, "dri");
        if (Directory.Exists(dri))
        {
            foreach (var name in Directory.EnumerateFiles(dri).Select(Path.GetFileName).Order(StringComparer.Ordinal))
            {
                if (RenderNode().Match(name!) is not { Success: true } m)
                {
                    continue;
                }

                var index = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) - 128;
                var node = "/dev/dri/" + name;
                var vendorFile = Path.Combine(root, "sys", "class", "drm", name!, "device", "vendor");
                var pci = File.Exists(vendorFile) ? File.ReadAllText(vendorFile).Trim() : string.Empty;
                if (pci == IntelPci)
                {
                    found.Add(new DeviceCandidate(HardwareVendor.Intel, index, node));
                }

                found.Add(new DeviceCandidate(HardwareVendor.Vaapi, index, node));
            }
        }

        return found;
    }

    /// <summary>Detects every vendor's devices; <paramref name="scratch"/> holds the small samples the decode trials read.</summary>
    public static async Task<HardwareInventory> DetectAsync(FfmpegCapabilities caps, HardwareOptions options, IHardwareTrials trials, string scratch, CancellationToken cancellationToken)
    {
        var devices = new List<HardwareDevice>();
        var notes = new List<HardwareNote>();
        if (!options.Enabled)
        {
            return new HardwareInventory([], [.. Enum.GetValues<HardwareVendor>().Select(v => new HardwareNote(v, "hardware acceleration is turned off on this server (Hardware:Enabled=false)"))]);
        }

        var candidates = Enumerate(options.DeviceRoot);
        var samples = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var vendor in Enum.GetValues<HardwareVendor>())
        {
            var listed = HardwareCatalog.Listed(caps, vendor);
            if (options.Assume.Contains(HardwareCatalog.Key(vendor), StringComparer.OrdinalIgnoreCase))
            {
                devices.Add(new HardwareDevice(vendor, 0, vendor == HardwareVendor.Nvidia ? "0" : "/dev/dri/renderD128")
                {
                    Decoders = listed.HwAccel ? HardwareCatalog.TrialDecodeCodecs : [],
                    Encoders = listed.Encoders,
                    Scale = listed.Scale,
                    Deinterlace = listed.Deinterlace,
                    Assumed = true,
                });
                continue;
            }

            if (!listed.HwAccel && listed.Encoders.Count == 0)
            {
                notes.Add(new HardwareNote(vendor, $"this ffmpeg ({caps.Version}) was built without {HardwareCatalog.Label(vendor)} support"));
                continue;
            }

            var nodes = candidates.Where(c => c.Vendor == vendor).ToList();
            if (nodes.Count == 0)
            {
                notes.Add(new HardwareNote(vendor, NoDevice(vendor)));
                continue;
            }

            foreach (var node in nodes)
            {
                var (device, failures) = await TryDeviceAsync(node, listed, caps, trials, scratch, samples, cancellationToken);
                if (device is not null)
                {
                    devices.Add(device);
                }

                notes.AddRange(failures.Select(f => new HardwareNote(vendor, f)));
            }
        }

        return new HardwareInventory(devices, notes);
    }

    private static async Task<(HardwareDevice? Device, List<string> Failures)> TryDeviceAsync(
        DeviceCandidate node,
        (bool HwAccel, IReadOnlyList<string> Encoders, bool Scale, bool Deinterlace) listed,
        FfmpegCapabilities caps,
        IHardwareTrials trials,
        string scratch,
        Dictionary<string, string?> samples,
        CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var name = $"{HardwareCatalog.Key(node.Vendor)}:{node.Index} ({node.Node})";
        var encoders = new List<string>();
        foreach (var encoder in listed.Encoders)
        {
            if (await trials.RunAsync(HardwareCatalog.EncodeTrial(node.Vendor, node.Node, encoder), cancellationToken) is { } error)
            {
                failures.Add($"{name}: {encoder} failed its trial: {error}");
            }
            else
            {
                encoders.Add(encoder);
            }
        }

        var decoders = new List<string>();
        foreach (var codec in listed.HwAccel ? HardwareCatalog.TrialDecodeCodecs : [])
        {
            if (await SampleAsync(codec, caps, trials, scratch, samples, cancellationToken) is not { } sample)
            {
                continue;
            }

            if (await trials.RunAsync(HardwareCatalog.DecodeTrial(node.Vendor, node.Node, codec, sample), cancellationToken) is { } error)
            {
                failures.Add($"{name}: {codec} decoding failed its trial: {error}");
            }
            else
            {
                decoders.Add(codec);
            }
        }

        var scale = listed.Scale && await trials.RunAsync(HardwareCatalog.ScaleTrial(node.Vendor, node.Node), cancellationToken) is null;
        if (encoders.Count == 0 && decoders.Count == 0)
        {
            failures.Insert(0, $"{name}: present, but no hardware encoder or decoder passed its trial");
            return (null, failures);
        }

        return (new HardwareDevice(node.Vendor, node.Index, node.Node) { Encoders = encoders, Decoders = decoders, Scale = scale, Deinterlace = scale && listed.Deinterlace }, failures);
    }

    /// <summary>The sample for a codec's decode trial, made once in software (null when no software encoder can make it).</summary>
    private static async Task<string?> SampleAsync(string codec, FfmpegCapabilities caps, IHardwareTrials trials, string scratch, Dictionary<string, string?> samples, CancellationToken cancellationToken)
    {
        if (!samples.TryGetValue(codec, out var file))
        {
            Directory.CreateDirectory(scratch);
            file = Path.Combine(scratch, HardwareCatalog.SampleName(codec));
            var encode = HardwareCatalog.SampleEncode(codec, caps.HasEncoder, file);
            file = encode is not null && await trials.RunAsync(encode, cancellationToken) is null ? file : null;
            samples[codec] = file;
        }

        return file;
    }

    private static string NoDevice(HardwareVendor vendor) => vendor switch
    {
        HardwareVendor.Nvidia => "no NVIDIA GPU is visible (no /dev/nvidia0; in a container, run it with the NVIDIA runtime and NVIDIA_DRIVER_CAPABILITIES including video)",
        HardwareVendor.Intel => "no Intel GPU render node is visible (/dev/dri/renderD128 with PCI vendor 0x8086; in a container, pass --device /dev/dri)",
        _ => "no DRI render node is visible (/dev/dri/renderD*; in a container, pass --device /dev/dri)",
    };
}
