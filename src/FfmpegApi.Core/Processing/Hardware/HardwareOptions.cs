using System.ComponentModel.DataAnnotations;

namespace FfmpegApi.Core.Processing.Hardware;

/// <summary>Section <c>Hardware</c>: detection of video hardware at worker start, and how many jobs may share a device.</summary>
public sealed class HardwareOptions
{
    public const string Section = "Hardware";

    /// <summary>False: no detection; every job runs in software and <c>nvidia</c>/<c>intel</c>/<c>vaapi</c> jobs are refused.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Vendors taken as present (device 0, every feature the ffmpeg build lists) without running the trials. For
    /// machines where a trial cannot run at start, and for testing the fallback path on a machine without the device.
    /// </summary>
    public List<string> Assume { get; set; } = [];

    /// <summary>Concurrent hardware jobs per device, per vendor (consumer NVIDIA cards cap NVENC sessions; 8 on current drivers).</summary>
    public HardwareSessionLimits MaxSessions { get; set; } = new();

    /// <summary>Bound on each one-frame trial at start.</summary>
    [Range(1, 300)]
    public int TrialTimeoutSeconds { get; set; } = 20;

    /// <summary>Where <c>/dev</c> and <c>/sys</c> are read from (tests point it at a fake tree).</summary>
    public string DeviceRoot { get; set; } = "/";
}

/// <summary><c>Hardware:MaxSessions:Nvidia</c> etc.</summary>
public sealed class HardwareSessionLimits
{
    [Range(1, 1024)]
    public int Nvidia { get; set; } = 8;

    [Range(1, 1024)]
    public int Intel { get; set; } = 16;

    [Range(1, 1024)]
    public int Vaapi { get; set; } = 16;
}
