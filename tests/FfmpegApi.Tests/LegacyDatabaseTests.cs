using FfmpegApi.Core.Data;
using FfmpegApi.Core.Webhooks;
using FfmpegApi.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Tests;

/// <summary>
/// A database made by the release before job kinds became types (<c>TestData/legacy/release-12.db</c>, see its
/// README): this release migrates it, shows its finished jobs as they were, and runs its queued jobs of every kind with
/// the options they were submitted with.
/// </summary>
public sealed class LegacyDatabaseTests
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "TestData", "legacy", "release-12.db");

    [Fact]
    public async Task Jobs_stored_by_the_previous_release_are_shown_and_run()
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "the fixture is a SQLite file made by the previous release; its reader runs on both providers (JobDocuments tests)");
        var rows = await ReadFixtureAsync();
        rows.Count.ShouldBe(10);
        await using var server = await ApiServer.StartAsync(prepare: async dir =>
        {
            File.Copy(Fixture, Path.Combine(dir, "ffmpeg-api.db"));
            await TestMedia.GenerateAsync(Path.Combine(dir, "storage", "input", "legacy.mp4"), 1);
        });
        var client = server.Client(await File.ReadAllTextAsync(Fixture + ".key"));

        foreach (var (id, status, output) in rows)
        {
            var job = status == "Queued" ? await client.WaitForEndAsync(id, 120) : await client.GetJobAsync(id);
            job["status"]!.GetValue<string>().ShouldBe("completed", job.ToJsonString());
            job["kind"]!.GetValue<string>().ShouldBe(KindOf(output), output);
            job["output"]!["path"]!.GetValue<string>().ShouldBe(output);
        }

        // Options kept from the old document: priority and attempts (columns), the per-job webhook (delivery).
        var first = await client.GetJobAsync(rows.Single(r => r.Output == "/storage/output/queued/convert.mp4").Id);
        first["priority"]!.GetValue<string>().ShouldBe("high");
        first["max_attempts"]!.GetValue<int>().ShouldBe(2);
        first["operations"]!.AsArray().ShouldHaveSingleItem()!["type"]!.GetValue<string>().ShouldBe("trim");
        var converted = await TestMedia.ProbeAsync(server.Physical("/storage/output/queued/convert.mp4"));
        (converted.FirstVideo!.Width, converted.FirstVideo.Height).ShouldBe((160, 120));
        converted.DurationSeconds!.Value.ShouldBe(0.5, 0.1);
        var second = await TestMedia.ProbeAsync(server.Physical("/storage/output/queued/b.webm"));
        second.FirstVideo!.CodecName.ShouldBe("vp9");
        second.FirstAudio!.CodecName.ShouldBe("opus");
        File.Exists(server.Physical("/storage/output/queued/hls/master.m3u8")).ShouldBeTrue();
        File.Exists(server.Physical("/storage/output/queued/report.json")).ShouldBeTrue();

        await using var scope = server.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var hooks = await db.WebhookDeliveries.AsNoTracking().Where(d => d.JobId == first["id"]!.GetValue<string>()).Select(d => d.Url).Distinct().ToListAsync();
        hooks.ShouldBe(["http://127.0.0.1:9/hook"], "the webhook_url inside the old spec document still gets the job's events");
    }

    private static string KindOf(string output) => output switch
    {
        _ when output.EndsWith(".m3u8", StringComparison.Ordinal) => "stream",
        _ when output.EndsWith(".jpg", StringComparison.Ordinal) => "thumbnails",
        _ when output.EndsWith(".json", StringComparison.Ordinal) => "analyze",
        _ => "convert",
    };

    private static async Task<List<(string Id, string Status, string Output)>> ReadFixtureAsync()
    {
        var rows = new List<(string, string, string)>();
        await using var connection = new SqliteConnection($"Data Source={Fixture};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, status, output_path FROM jobs ORDER BY created_at";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return rows;
    }
}
