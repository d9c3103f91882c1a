using System.Text.Json;
using FfmpegApi.Core.Backup;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>The scheduled backup (made soon after start when none is recent, copied to an object target), its metric, and retention.</summary>
public sealed class BackupScheduleTests
{
    [Fact]
    public void Retention_keeps_the_newest_of_each_recent_day_week_and_month()
    {
        var now = new DateTime(2026, 11, 28, 3, 0, 0, DateTimeKind.Utc);
        var history = Enumerable.Range(0, 400).Select(d => ($"day-{d}", now.AddDays(-d))).Append(("day-0-early", now.AddHours(-2))).ToList();

        var keep = BackupRetention.Keep(history, daily: 7, weekly: 4, monthly: 12);

        keep.ShouldContain("day-0");
        keep.ShouldNotContain("day-0-early", "only the newest of a day");
        foreach (var d in Enumerable.Range(0, 7))
        {
            keep.ShouldContain($"day-{d}");
        }

        // 2026-11-28 is a Saturday: the newest of the three weeks before this one are their Sundays (ISO weeks end on
        // Sunday); the first of them (day-6) is a daily one already.
        keep.ShouldContain("day-13");
        keep.ShouldContain("day-20");
        keep.ShouldNotContain("day-27", "four weeks back is the fifth week");
        // Month ends: 31 October, 30 September, … back to the 12th month (December 2025).
        keep.ShouldContain("day-28");
        keep.ShouldContain("day-59");
        keep.ShouldContain($"day-{(now - new DateTime(2025, 12, 31, 3, 0, 0, DateTimeKind.Utc)).Days}");
        keep.ShouldNotContain($"day-{(now - new DateTime(2025, 11, 30, 3, 0, 0, DateTimeKind.Utc)).Days}", "13 months back");
        keep.Count.ShouldBe(7 + 2 + 11, "7 days, 2 more weeks, 11 more months");
        BackupRetention.Keep([], 7, 4, 12).ShouldBeEmpty();

        // Periods without a backup count: with backups only 2 years apart, the old one is outside 12 months.
        BackupRetention.Keep([("new", now), ("old", now.AddYears(-2))], 7, 4, 12).ShouldBe(["new"]);
    }

    [Fact]
    public async Task The_scheduler_backs_up_soon_after_start_copies_to_the_target_and_prunes_old_backups()
    {
        await using var s3 = await S3Emulator.StartAsync();
        Assert.SkipWhen(s3 is null, "s3rver is not installed");
        var directory = Directory.CreateTempSubdirectory("fa-scheduled-").FullName;

        // An ancient backup (two years old): retention removes it once a new one exists.
        var ancient = new BackupManifest("sqlite", TimeProvider.System.GetUtcNow().UtcDateTime.AddYears(-2), "ffmpeg-api-20241128T000000000Z.sqlite.gz", 1, new string('0', 64), null, new Dictionary<string, long>());
        await File.WriteAllTextAsync(Path.Combine(directory, "ffmpeg-api-20241128T000000000Z.json"), JsonSerializer.Serialize(ancient, JsonDefaults.Options), TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(directory, ancient.File), [1], TestContext.Current.CancellationToken);

        var settings = s3!.Settings();
        settings["Backup:Enabled"] = "true";
        settings["Backup:FirstDelaySeconds"] = "0";
        settings["Backup:Directory"] = directory;
        settings["Backup:Target"] = "s3://other/backups/";
        await using var server = await ApiServer.StartAsync(settings);
        await server.CreateKeyAsync("to-back-up");

        // The backup file appears before its verification and the retention pass: wait for the run's end, seen as
        // the ancient backup being removed (up to 60 s: a PostgreSQL scratch restore under load takes a while).
        var ancientFile = Path.Combine(directory, ancient.File);
        for (var i = 0; i < 300 && File.Exists(ancientFile); i++)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        File.Exists(ancientFile).ShouldBeFalse("retention removed the two-year-old backup once a new one was verified");
        string[] made = [.. Directory.GetFiles(directory, "*.sqlite.gz").Concat(Directory.GetFiles(directory, "*.pgdump"))];
        made.ShouldHaveSingleItem();
        (await server.Service<BackupService>().VerifyAsync(made[0], CancellationToken.None)).Tables.ShouldContainKey("jobs");

        using var store = new S3BlobStore(s3.Profile, TimeProvider.System);
        var keys = new List<string>();
        await foreach (var item in store.ListAsync("other", "backups/", CancellationToken.None))
        {
            keys.Add(item.Key);
        }

        keys.Count.ShouldBe(2, string.Join(", ", keys));
        keys.ShouldContain("backups/" + Path.GetFileName(made[0]));

        using var anonymous = server.Client();
        var metrics = await anonymous.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var line = metrics.Split('\n').First(l => l.StartsWith("ffmpegapi_backup_last_success", StringComparison.Ordinal));
        double.Parse(line.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(TimeProvider.System.GetUtcNow().AddMinutes(-5).ToUnixTimeSeconds());
        Directory.Delete(directory, recursive: true);
    }
}
