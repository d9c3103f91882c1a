using System.Diagnostics.Metrics;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Media.Hardware;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing.Hardware;

/// <summary>
/// This process's video hardware: detected once (lazily, by trial), with per-device session accounting. A job holds a
/// session while it runs on a device; a device at its limit (<c>Hardware:MaxSessions</c>) takes no more, and a worker
/// whose devices of a vendor are all full stops claiming jobs that insist on that vendor until one ends.
/// </summary>
public sealed partial class HardwareService : IDisposable
{
    private readonly FfmpegTools _tools;
    private readonly HardwareOptions _options;
    private readonly Lazy<Task<HardwareInventory>> _inventory;
    private readonly Dictionary<string, int> _inUse = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Meter _meter;
    private volatile HardwareInventory? _found;
    private readonly Upscaling.UpscaleModels? _upscale;

    public HardwareService(FfmpegTools tools, IOptions<HardwareOptions> options, IOptions<StorageOptions> storage, IMeterFactory meters, ILogger<HardwareService> logger, IHardwareTrials? trials = null, Upscaling.UpscaleModels? upscale = null)
    {
        _tools = tools;
        _upscale = upscale;
        _options = options.Value;
        var scratch = Path.Combine(storage.Value.FullDataDir, "hardware-trials");
        var runner = trials ?? new FfmpegHardwareTrials(tools.FfmpegPath, TimeSpan.FromSeconds(_options.TrialTimeoutSeconds));
        _inventory = new(async () =>
        {
            var found = await HardwareDetector.DetectAsync(await tools.GetCapabilitiesAsync(), _options, runner, scratch, CancellationToken.None);
            TryDelete(scratch);
            if (logger.IsEnabled(LogLevel.Information))
            {
                foreach (var device in found.Devices)
                {
                    var (name, decoders, encoders) = (device.Name, string.Join(',', device.Decoders), string.Join(',', device.Encoders));
                    LogDevice(logger, name, device.Node, decoders, encoders, device.Scale, device.Assumed);
                }

                foreach (var note in found.Notes)
                {
                    var vendor = HardwareCatalog.Key(note.Vendor);
                    LogUnavailable(logger, vendor, note.Reason);
                }
            }

            _found = found;
            return found;
        });
        _meter = meters.Create(JobMetrics.MeterName);
        _meter.CreateObservableGauge("ffmpegapi.hardware.sessions_in_use", ObserveSessions, description: "Jobs holding a session on each video hardware device.");
    }

    public Task<HardwareInventory> GetInventoryAsync() => _inventory.Value;

    /// <summary>Plain ffmpeg's and VMAF's flags, one flag per vendor with a working device, and the upscaler's.</summary>
    public async Task<WorkerCapability> WorkerCapabilitiesAsync()
    {
        var flags = await _tools.GetWorkerCapabilitiesAsync() | (_upscale?.WorkerCapabilities() ?? WorkerCapability.None);
        foreach (var device in (await GetInventoryAsync()).Devices)
        {
            flags |= JobRequirements.Flag(device.Vendor);
        }

        return flags;
    }

    /// <summary>What a claim may take now: <paramref name="capabilities"/> less the vendors whose devices all have no free session.</summary>
    public WorkerCapability Claimable(WorkerCapability capabilities)
    {
        if (_found is not { } found)
        {
            return capabilities;
        }

        var devices = found.Devices;
        lock (_gate)
        {
            foreach (var vendor in Enum.GetValues<HardwareVendor>())
            {
                if (devices.Any(d => d.Vendor == vendor) && devices.Where(d => d.Vendor == vendor).All(d => InUseLocked(d) >= Limit(vendor)))
                {
                    capabilities &= ~JobRequirements.Flag(vendor);
                }
            }
        }

        return capabilities;
    }

    /// <summary>
    /// The device a job gets and its session, or (null, reason) to run in software. Auto takes the first device with a
    /// free session; a named vendor takes its requested (or first) device.
    /// </summary>
    public async Task<(HardwareDevice? Device, HardwareSession? Session, string? Reason)> AcquireAsync(HardwareRequest request)
    {
        if (request.Mode == HardwareMode.None)
        {
            return (null, null, "software requested (hardware_acceleration: none)");
        }

        var inventory = await GetInventoryAsync();
        var wanted = request.Vendor;
        var devices = inventory.Devices.Where(d => (wanted is null || d.Vendor == wanted) && (request.Device is null || d.Index == request.Device)).ToList();
        if (devices.Count == 0)
        {
            return (null, null, wanted is { } v ? $"{HardwareCatalog.Label(v)}{(request.Device is { } i ? $" device {i}" : string.Empty)}: {inventory.WhyUnavailable(v)}" : "no video hardware on this worker");
        }

        lock (_gate)
        {
            foreach (var device in devices)
            {
                if (InUseLocked(device) < Limit(device.Vendor))
                {
                    _inUse[device.Name] = InUseLocked(device) + 1;
                    return (device, new HardwareSession(this, device), null);
                }
            }
        }

        return (null, null, $"every session of {string.Join(", ", devices.Select(d => d.Name))} is in use (Hardware:MaxSessions)");
    }

    /// <summary>Sessions in use on a device.</summary>
    public int InUse(HardwareDevice device)
    {
        lock (_gate)
        {
            return InUseLocked(device);
        }
    }

    public int Limit(HardwareVendor vendor) => vendor switch
    {
        HardwareVendor.Nvidia => _options.MaxSessions.Nvidia,
        HardwareVendor.Intel => _options.MaxSessions.Intel,
        _ => _options.MaxSessions.Vaapi,
    };

    public void Dispose() => _meter.Dispose();

    internal void Release(HardwareDevice device)
    {
        lock (_gate)
        {
            _inUse[device.Name] = Math.Max(0, InUseLocked(device) - 1);
        }
    }

    private int InUseLocked(HardwareDevice device) => _inUse.GetValueOrDefault(device.Name);

    private IEnumerable<Measurement<int>> ObserveSessions()
    {
        if (_found is not { } found)
        {
            return [];
        }

        lock (_gate)
        {
            return [.. found.Devices.Select(d => new Measurement<int>(InUseLocked(d), new KeyValuePair<string, object?>("device", d.Name)))];
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Samples are a few kilobytes; the next start overwrites them.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Hardware {Device} ({Node}): decode [{Decoders}], encode [{Encoders}], scale {Scale}, assumed {Assumed}")]
    private static partial void LogDevice(ILogger logger, string device, string node, string decoders, string encoders, bool scale, bool assumed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hardware {Vendor} not used: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string vendor, string reason);
}

/// <summary>A job's hold on one device session; disposing it frees the session (once).</summary>
public sealed class HardwareSession(HardwareService owner, HardwareDevice device) : IDisposable
{
    private int _released;

    public HardwareDevice Device => device;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            owner.Release(device);
        }
    }
}
