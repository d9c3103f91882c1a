using FfmpegApi.Core.Auth;
using FfmpegApi.Core.Backup;
using FfmpegApi.Core.Data;
using FfmpegApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Tests;

/// <summary>
/// Backups on the configured provider (SQLite here; PostgreSQL with pg_dump/pg_restore under make test): made while
/// the server runs, verified by a scratch restore, restored into an empty database with everything there; a damaged
/// backup is detected; a restore over data is refused without --force.
/// </summary>
public sealed class BackupTests : IAsyncLifetime
{
    private readonly DirectoryInfo _backups = Directory.CreateTempSubdirectory("fa-backups-");
    private ApiServer _source = null!;

    public async ValueTask InitializeAsync() => _source = await ApiServer.StartAsync(new Dictionary<string, string?> { ["Worker:Concurrency"] = "1" });

    public async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        _backups.Delete(recursive: true);
    }

    [Fact]
    public async Task A_backup_restores_into_an_empty_database_with_every_job_and_key()
    {
        await TestMedia.GenerateAsync(Path.Combine(_source.StorageRoot, "input", "in.mp4"), 1);
        var key = await _source.CreateKeyAsync("backed-up");
        await _source.CreateKeyAsync("second", tenant: "tenant-b");
        using var client = _source.Client(key);
        var jobs = new[] { await client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":"mp3"}"""), await client.SubmitAsync("""{"input":"/storage/input/in.mp4","output":"wav"}""") };
        foreach (var id in jobs)
        {
            (await client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("completed");
        }

        var manifest = await _source.Service<BackupService>().CreateAsync(_backups.FullName, CancellationToken.None);
        manifest.Format.ShouldBe(TestDatabase.IsPostgres ? "postgres" : "sqlite");
        manifest.Tables["jobs"].ShouldBe(2);
        manifest.Tables["api_keys"].ShouldBe(2);
        manifest.Tables["audit_events"].ShouldBeGreaterThan(0);
        manifest.Tables[TestDatabase.IsPostgres ? "__ef_migrations_history" : "__EFMigrationsHistory"].ShouldBeGreaterThan(5);
        manifest.Sha256.Length.ShouldBe(64);
        File.Exists(Path.Combine(_backups.FullName, manifest.File)).ShouldBeTrue();

        // The source holds data: a restore over it needs --force; a dry run only reports.
        var refused = await Should.ThrowAsync<BackupException>(() => _source.Service<BackupService>().RestoreAsync(Path.Combine(_backups.FullName, manifest.File), dryRun: false, force: false, CancellationToken.None));
        refused.Message.ShouldContain("holds 2 job(s) and 2 key(s)");
        var (_, live) = await _source.Service<BackupService>().RestoreAsync(Path.Combine(_backups.FullName, manifest.File), dryRun: true, force: false, CancellationToken.None);
        live["jobs"].ShouldBe(2);

        // Into a new, empty server's database (its service stopped, as a restore requires).
        await using var target = await ApiServer.StartAsync();
        await target.App.StopAsync();
        await target.Service<BackupService>().RestoreAsync(Path.Combine(_backups.FullName, manifest.File), dryRun: false, force: false, CancellationToken.None);
        await using var scope = target.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        (await db.Jobs.Select(j => j.Id).ToListAsync(TestContext.Current.CancellationToken)).Order().ShouldBe(jobs.Order());
        (await db.Jobs.CountAsync(j => j.Status == Core.Jobs.JobStatus.Completed, TestContext.Current.CancellationToken)).ShouldBe(2);
        (await db.ApiKeys.CountAsync(TestContext.Current.CancellationToken)).ShouldBe(2);
        ((long)await db.DataProtectionKeys.CountAsync(TestContext.Current.CancellationToken)).ShouldBe(manifest.Tables["data_protection_keys"]);
    }

    [Fact]
    public async Task A_damaged_or_incomplete_backup_is_detected()
    {
        await _source.CreateKeyAsync("k");
        var service = _source.Service<BackupService>();
        var manifest = await service.CreateAsync(_backups.FullName, CancellationToken.None);
        var file = Path.Combine(_backups.FullName, manifest.File);
        (await service.VerifyAsync(file, CancellationToken.None)).Sha256.ShouldBe(manifest.Sha256);

        var bytes = await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken);
        bytes[bytes.Length / 2] ^= 0x5A;
        await File.WriteAllBytesAsync(file, bytes, TestContext.Current.CancellationToken);
        (await Should.ThrowAsync<BackupException>(() => service.VerifyAsync(file, CancellationToken.None))).Message.ShouldContain("damaged");
        (await Should.ThrowAsync<BackupException>(() => service.RestoreAsync(file, dryRun: true, force: true, CancellationToken.None))).Message.ShouldContain("damaged");

        File.Delete(file);
        (await Should.ThrowAsync<BackupException>(() => service.VerifyAsync(Path.Combine(_backups.FullName, Path.GetFileNameWithoutExtension(manifest.File.Replace(".sqlite.gz", string.Empty, StringComparison.Ordinal)) + ".json"), CancellationToken.None))).Message.ShouldContain("missing");
    }

    [Fact]
    public async Task The_cli_backs_up_and_a_dry_run_restore_reports()
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "the CLI test uses the embedded SQLite data dir");
        var dataDir = Directory.CreateTempSubdirectory("fa-cli-backup-").FullName;
        try
        {
            (await Cli.CliApp.RunAsync(["keys", "create", "--name", "cli", "--data-dir", dataDir])).ShouldBe(0);
            (await Cli.CliApp.RunAsync(["backup", "--data-dir", dataDir, "--to", _backups.FullName])).ShouldBe(0);
            var backup = Directory.GetFiles(_backups.FullName, "*.sqlite.gz").ShouldHaveSingleItem();
            (await Cli.CliApp.RunAsync(["restore", backup, "--data-dir", dataDir, "--dry-run"])).ShouldBe(0);
            (await Cli.CliApp.RunAsync(["restore", backup, "--data-dir", dataDir])).ShouldBe(2, "the database holds a key: --force is needed");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
