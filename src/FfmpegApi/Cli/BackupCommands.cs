using System.CommandLine;
using FfmpegApi.Core.Backup;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Cli;

/// <summary><c>ffmpeg-api backup [--to DIR]</c> and <c>ffmpeg-api restore BACKUP [--dry-run] [--force]</c>.</summary>
internal static class BackupCommands
{
    public static Command Backup(Option<string?> dataDir)
    {
        var to = new Option<string?>("--to") { Description = "Directory for the backup and its manifest (default DATA_DIR/backups)" };
        var backup = new Command("backup", "Back up the database (consistent while the server runs), checksum it and verify it by a scratch restore") { dataDir, to };
        backup.SetAction(async (result, ct) =>
        {
            await using var app = AppHost.Build(CliApp.Rest(result), CliApp.Overrides(result, dataDir, null, null), HostRole.Tool);
            await DatabaseSetup.MigrateAsync(app.Services, ct);
            var runner = app.Services.GetRequiredService<BackupRunner>();
            var directory = result.GetValue(to) ?? runner.Directory;
            try
            {
                var manifest = await runner.RunOnceAsync(directory, ct);
                await Console.Out.WriteLineAsync($"Backed up and verified: {manifest.Tables.GetValueOrDefault("jobs")} job(s), {manifest.Tables.GetValueOrDefault("api_keys")} key(s), {manifest.SizeBytes} bytes, sha256 {manifest.Sha256}.");
                await Console.Out.WriteLineAsync(Path.Combine(directory, manifest.File));
                return 0;
            }
            catch (Exception e) when (e is BackupException or IOException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync("Backup failed: " + e.Message);
                return 1;
            }
        });
        return backup;
    }

    public static Command Restore(Option<string?> dataDir)
    {
        var file = new Argument<string>("backup") { Description = "The backup file (or its .json manifest)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Verify the backup and report what a restore would replace; change nothing" };
        var force = new Option<bool>("--force") { Description = "Replace a database that holds jobs or keys (stop the service first)" };
        var restore = new Command("restore", "Restore a backup over the configured database (verified first; the service must be stopped)") { dataDir, file, dryRun, force };
        restore.SetAction(async (result, ct) =>
        {
            await using var app = AppHost.Build(CliApp.Rest(result), CliApp.Overrides(result, dataDir, null, null), HostRole.Tool);
            try
            {
                var (manifest, live) = await app.Services.GetRequiredService<BackupService>().RestoreAsync(result.GetValue(file)!, result.GetValue(dryRun), result.GetValue(force), ct);
                var what = $"{manifest.Tables.GetValueOrDefault("jobs")} job(s) and {manifest.Tables.GetValueOrDefault("api_keys")} key(s) from {manifest.CreatedAt:u}";
                var now = $"{live.GetValueOrDefault("jobs")} job(s) and {live.GetValueOrDefault("api_keys")} key(s)";
                await Console.Out.WriteLineAsync(result.GetValue(dryRun) ? $"Verified. A restore would replace {now} with {what}." : $"Restored {what} (replacing {now}).");
                return 0;
            }
            catch (BackupException e)
            {
                await Console.Error.WriteLineAsync("Restore refused: " + e.Message);
                return 2;
            }
        });
        return restore;
    }
}
