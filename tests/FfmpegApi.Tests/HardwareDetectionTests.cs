using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Processing.Hardware;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Hardware;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Tests;

/// <summary>
/// Detection by trial on the listings of machines with each vendor (TestData/hardware: this Debian machine's real
/// output, and NVIDIA, Intel Arc and AMD listings written in ffmpeg's format) with fake device trees and trial results;
/// and on this machine for real (no GPU: nothing is found, and each vendor says why).
/// </summary>
public sealed class HardwareDetectionTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("fa-hw-");

    public void Dispose() => _root.Delete(recursive: true);

    private static FfmpegCapabilities Listing(string machine)
    {
        string Read(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "hardware", machine, file));
        return new FfmpegCapabilities(
            CapabilitiesParser.ParseVersion(Read("version.txt")),
            CapabilitiesParser.ParseCodecs(Read("encoders.txt")),
            [],
            CapabilitiesParser.ParseFilters(Read("filters.txt")),
            CapabilitiesParser.ParseHwAccels(Read("hwaccels.txt")),
            [],
            []);
    }

    private void Node(string relative, string? pciVendor = null)
    {
        var file = Path.Combine(_root.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, string.Empty);
        if (pciVendor is not null)
        {
            var sys = Path.Combine(_root.FullName, "sys", "class", "drm", Path.GetFileName(relative), "device");
            Directory.CreateDirectory(sys);
            File.WriteAllText(Path.Combine(sys, "vendor"), pciVendor + "\n");
        }
    }

    private Task<HardwareInventory> DetectAsync(FfmpegCapabilities caps, FakeTrials trials, HardwareOptions? options = null)
    {
        var o = options ?? new HardwareOptions();
        o.DeviceRoot = _root.FullName;
        return HardwareDetector.DetectAsync(caps, o, trials, Path.Combine(_root.FullName, "scratch"), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_consumer_nvidia_card_passes_every_trial()
    {
        Node("dev/nvidia0");
        Node("dev/nvidiactl");
        var found = await DetectAsync(Listing("nvidia"), new FakeTrials());

        found.Devices.Count.ShouldBe(1, string.Join("; ", found.Notes));
        var gpu = found.Devices[0];
        gpu.Name.ShouldBe("nvidia:0");
        gpu.Node.ShouldBe("0");
        gpu.Encoders.ShouldBe(["h264_nvenc", "hevc_nvenc", "av1_nvenc"]);
        gpu.Decoders.ShouldBe(["h264", "hevc", "av1", "vp9"]);
        gpu.Scale.ShouldBeTrue();
        gpu.Deinterlace.ShouldBeTrue();
        found.WhyUnavailable(HardwareVendor.Intel).ShouldContain("no Intel GPU render node");
        found.WhyUnavailable(HardwareVendor.Vaapi).ShouldContain("/dev/dri/renderD");
    }

    [Fact]
    public async Task An_h200_has_nvdec_and_cuda_filters_but_no_nvenc()
    {
        Node("dev/nvidia0");
        var trials = new FakeTrials(args => args.Any(a => a.EndsWith("_nvenc", StringComparison.Ordinal)) ? "OpenEncodeSessionEx failed: unsupported device (2): (no details)" : null);
        var found = await DetectAsync(Listing("nvidia"), trials);

        var gpu = found.Devices.ShouldHaveSingleItem();
        gpu.Encoders.ShouldBeEmpty();
        gpu.Decoders.ShouldContain("hevc");
        gpu.Scale.ShouldBeTrue();
        found.Notes.ShouldContain(n => n.Vendor == HardwareVendor.Nvidia && n.Reason.Contains("h264_nvenc failed its trial: OpenEncodeSessionEx failed"));

        // The trials are real commands: the encode trial names the GPU, the decode trial reads a sample made in software.
        trials.Calls.ShouldContain(c => c.Contains("h264_nvenc") && c.Contains("-gpu") && c.Contains("cuda=hw:0"));
        trials.Calls.ShouldContain(c => c.Contains("libx265") && c[c.Count - 1].EndsWith("sample-hevc.mp4", StringComparison.Ordinal));
        trials.Calls.ShouldContain(c => c.Contains("-hwaccel_output_format") && c.Contains("cuda") && c.Contains("hwdownload,format=nv12"));
    }

    [Fact]
    public async Task An_intel_gpu_offers_quick_sync_and_vaapi_on_its_render_node()
    {
        Node("dev/dri/renderD128", "0x8086");
        Node("dev/dri/card0");
        var trials = new FakeTrials(args => args.Contains("av1_qsv") || args.Contains("av1_vaapi") ? "Error while opening encoder (Function not implemented)" : null);
        var found = await DetectAsync(Listing("intel-arc"), trials);

        found.Devices.Select(d => d.Name).ShouldBe(["intel:0", "vaapi:0"]);
        found.Devices.ShouldAllBe(d => d.Node == "/dev/dri/renderD128");
        found.Find(HardwareVendor.Intel)!.Encoders.ShouldBe(["h264_qsv", "hevc_qsv"]);
        found.Find(HardwareVendor.Vaapi)!.Encoders.ShouldBe(["h264_vaapi", "hevc_vaapi"]);
        found.Find(HardwareVendor.Nvidia).ShouldBeNull();
        trials.Calls.ShouldContain(c => c.Contains("qsv=hw@va") && c.Contains("h264_qsv"));
    }

    [Fact]
    public async Task An_amd_gpu_is_vaapi_only_and_a_failed_device_is_explained()
    {
        Node("dev/dri/renderD128", "0x1002");
        Node("dev/dri/renderD129", "0x1002");
        var trials = new FakeTrials(args => args.Any(a => a.Contains("renderD129", StringComparison.Ordinal)) ? "Failed to initialise VAAPI connection: -1 (unknown libva error)." : null);
        var found = await DetectAsync(Listing("amd-vaapi"), trials);

        var vaapi = found.Devices.ShouldHaveSingleItem();
        vaapi.Name.ShouldBe("vaapi:0");
        vaapi.Encoders.ShouldBe(["h264_vaapi", "hevc_vaapi"]);
        found.Notes.ShouldContain(n => n.Reason.StartsWith("vaapi:1 (/dev/dri/renderD129): present, but no hardware encoder or decoder passed its trial"));
        found.WhyUnavailable(HardwareVendor.Intel).ShouldContain("built without Intel Quick Sync support");
        found.WhyUnavailable(HardwareVendor.Nvidia).ShouldContain("built without NVIDIA");
    }

    [Fact]
    public async Task Assumed_vendors_skip_the_trials_and_disabled_detection_finds_nothing()
    {
        var trials = new FakeTrials();
        var assumed = await DetectAsync(Listing("debian-cpu"), trials, new HardwareOptions { Assume = ["NVIDIA"] });
        var gpu = assumed.Devices.ShouldHaveSingleItem();
        (gpu.Assumed, gpu.Name).ShouldBe((true, "nvidia:0"));
        gpu.Encoders.ShouldBe(["h264_nvenc", "hevc_nvenc"]);
        trials.Calls.ShouldBeEmpty();

        Node("dev/nvidia0");
        var off = await DetectAsync(Listing("nvidia"), trials, new HardwareOptions { Enabled = false });
        off.Devices.ShouldBeEmpty();
        off.WhyUnavailable(HardwareVendor.Nvidia).ShouldContain("Hardware:Enabled=false");
    }

    [Fact]
    public async Task This_machine_has_no_gpu_and_says_why_for_each_vendor()
    {
        Assert.SkipWhen(File.Exists("/dev/nvidia0") || Directory.Exists("/dev/dri"), "this machine has video hardware");
        using var tools = new ToolsScope();
        var found = await tools.Service.GetInventoryAsync();
        found.Devices.ShouldBeEmpty();
        found.WhyUnavailable(HardwareVendor.Nvidia).ShouldContain("no NVIDIA GPU is visible (no /dev/nvidia0");
        found.WhyUnavailable(HardwareVendor.Vaapi).ShouldContain("no DRI render node");
        (await tools.Service.WorkerCapabilitiesAsync() & (WorkerCapability.Nvidia | WorkerCapability.Intel | WorkerCapability.Vaapi)).ShouldBe(WorkerCapability.None);
        var (device, session, reason) = await tools.Service.AcquireAsync(new HardwareRequest());
        (device, session).ShouldBe((null, null));
        reason.ShouldBe("no video hardware on this worker");
    }

    [Fact]
    public async Task Sessions_are_counted_per_device_and_a_full_vendor_is_left_out_of_claims()
    {
        using var tools = new ToolsScope(new HardwareOptions { Assume = ["nvidia"], MaxSessions = new HardwareSessionLimits { Nvidia = 1 } });
        var all = await tools.Service.WorkerCapabilitiesAsync();
        all.HasFlag(WorkerCapability.Nvidia).ShouldBeTrue();

        var (first, held, _) = await tools.Service.AcquireAsync(new HardwareRequest(HardwareMode.Nvidia));
        first!.Name.ShouldBe("nvidia:0");
        tools.Service.InUse(first).ShouldBe(1);
        tools.Service.Claimable(all).HasFlag(WorkerCapability.Nvidia).ShouldBeFalse();

        var (second, none, reason) = await tools.Service.AcquireAsync(new HardwareRequest());
        (second, none).ShouldBe((null, null));
        reason!.ShouldContain("every session of nvidia:0 is in use");

        held!.Dispose();
        held.Dispose();
        tools.Service.InUse(first).ShouldBe(0);
        tools.Service.Claimable(all).ShouldBe(all);
        (await tools.Service.AcquireAsync(new HardwareRequest(HardwareMode.Nvidia, Device: 3))).Reason!.ShouldContain("device 3");
        (await tools.Service.AcquireAsync(new HardwareRequest(HardwareMode.None))).Device.ShouldBeNull();
    }

    /// <summary>A <see cref="HardwareService"/> over the real ffmpeg, with a device root that has no devices.</summary>
    private sealed class ToolsScope : IDisposable
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("fa-hwdata-");

        public ToolsScope(HardwareOptions? options = null)
        {
            var o = options ?? new HardwareOptions();
            o.DeviceRoot = o.Assume.Count > 0 ? _data.FullName : "/";
            Service = new HardwareService(
                new FfmpegTools(Options.Create(new FfmpegOptions())),
                Options.Create(o),
                Options.Create(new StorageOptions { DataDir = _data.FullName }),
                _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
                NullLogger<HardwareService>.Instance);
        }

        public HardwareService Service { get; }

        public void Dispose()
        {
            Service.Dispose();
            _services.Dispose();
            _data.Delete(recursive: true);
        }
    }

    /// <summary>Answers trials from a rule (null: success) and records every command line.</summary>
    private sealed class FakeTrials(Func<IReadOnlyList<string>, string?>? rule = null) : IHardwareTrials
    {
        public List<IReadOnlyList<string>> Calls { get; } = [];

        public Task<string?> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
        {
            Calls.Add(arguments);
            return Task.FromResult(rule?.Invoke(arguments));
        }
    }
}
