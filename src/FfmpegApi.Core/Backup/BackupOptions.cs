using System.ComponentModel.DataAnnotations;

namespace FfmpegApi.Core.Backup;

/// <summary>Section <c>Backup</c>: the scheduled in-process backup, where backups go, and how many are kept.</summary>
public sealed class BackupOptions
{
    public const string Section = "Backup";

    /// <summary>Run the scheduled backup in <c>serve</c> and <c>api</c> processes (one at a time across processes).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A backup is made when the newest one is older than this.</summary>
    [Range(1, 24 * 31)]
    public double IntervalHours { get; set; } = 24;

    /// <summary>Wait after start before the first check (lets a restarted service settle).</summary>
    [Range(0, 86400)]
    public int FirstDelaySeconds { get; set; } = 300;

    /// <summary>Local directory of backups and manifests; empty: <c>DataDir/backups</c>.</summary>
    public string? Directory { get; set; }

    /// <summary>Also copy every verified backup to this object prefix (<c>s3://bucket/backups/</c>, <c>azure://…</c>, <c>gs://…</c>).</summary>
    public string? Target { get; set; }

    /// <summary>Retention: the newest backup of each of the last N days, weeks and months is kept; others are deleted.</summary>
    [Range(1, 1000)]
    public int KeepDaily { get; set; } = 7;

    [Range(0, 1000)]
    public int KeepWeekly { get; set; } = 4;

    [Range(0, 1000)]
    public int KeepMonthly { get; set; } = 12;

    /// <summary>
    /// PostgreSQL: the share of wall time the dump may work (0.05–1; 1: as fast as it goes). The service copies
    /// pg_dump's output and pauses between chunks; meanwhile pg_dump and the server's COPY wait, so the dump takes about
    /// this share of the CPU and lasts 1/share as long. On a machine whose cores the queue shares with the database, an
    /// unpaced dump takes a quarter to a third of the claim rate (docs/operations.md, "The queue while a backup runs").
    /// </summary>
    [Range(0.05, 1)]
    public double DumpShare { get; set; } = DefaultDumpShare;

    public const double DefaultDumpShare = 0.2;
}
