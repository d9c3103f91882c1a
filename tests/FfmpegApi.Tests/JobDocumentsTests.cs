using FfmpegApi.Core.Jobs;
using FfmpegApi.Media.Hardware;
using FfmpegApi.Media.Specs;
using Microsoft.Data.Sqlite;

namespace FfmpegApi.Tests;

/// <summary>
/// The stored forms of a job: every spec document written by the previous release (read from its database,
/// <c>TestData/legacy/release-12.db</c>) reads as its kind with its delivery; the current form round-trips.
/// </summary>
public sealed class JobDocumentsTests
{
    [Fact]
    public async Task Every_spec_the_previous_release_stored_reads_as_its_kind_with_its_delivery()
    {
        var rows = new List<(string Spec, string Output)>();
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(AppContext.BaseDirectory, "TestData", "legacy", "release-12.db")};Mode=ReadOnly;Pooling=False"))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT spec_json, output_path FROM jobs";
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                rows.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        rows.Count.ShouldBe(10);
        foreach (var (json, output) in rows)
        {
            json.ShouldNotStartWith("{\"kind\"");
            var spec = JobDocuments.ReadSpec(json);
            spec.Output.Path.ShouldBe(output);
            spec.Input.ShouldBe("/storage/input/legacy.mp4");
            var delivery = JobDocuments.ReadDelivery(json, null);
            switch (spec)
            {
                case ConvertSpec { ExtraOutputs.Count: 1 } several:
                    several.AudioTrack.ShouldBe(0);
                    several.Hardware!.Mode.ShouldBe(HardwareMode.None);
                    several.ExtraOutputs[0].Video!.Codec.ShouldBe("vp9");
                    delivery.ShouldBe(JobDelivery.None);
                    break;
                case ConvertSpec trimmed:
                    trimmed.Operations.ShouldHaveSingleItem().ShouldBeOfType<TrimOperation>().Duration.ShouldBe(0.5);
                    delivery.TimeoutSeconds.ShouldBe(600);
                    delivery.Webhook!.Url.ShouldBe("http://127.0.0.1:9/hook");
                    break;
                case StreamSpec stream:
                    stream.Streaming.Variants!.Select(v => v.Height).ShouldBe([240, 120]);
                    break;
                case ThumbnailsSpec thumbnails:
                    thumbnails.Thumbnails.Interval.ShouldBe(0.5);
                    break;
                case AnalyzeSpec analyze:
                    analyze.Analysis.Metrics.ShouldBe(["psnr", "ssim"]);
                    break;
                default:
                    throw new ShouldAssertException($"unexpected kind {spec.Kind}");
            }

            // Written again, it takes the current form and reads back the same.
            var again = JobDocuments.ReadSpec(JobDocuments.WriteSpec(spec));
            again.Kind.ShouldBe(spec.Kind);
            JobDocuments.WriteSpec(again).ShouldBe(JobDocuments.WriteSpec(spec));
        }

        rows.Select(r => JobDocuments.ReadSpec(r.Spec).Kind).Distinct().Order().ShouldBe(["analyze", "convert", "stream", "thumbnails"]);
    }

    [Fact]
    public void Delivery_is_its_own_column_and_absent_when_there_is_nothing_to_deliver()
    {
        JobDocuments.WriteDelivery(JobDelivery.None).ShouldBeNull();
        var delivery = new JobDelivery { TimeoutSeconds = 60, Webhook = new JobWebhook("https://example.test/h", ["complete"]), StreamInput = true };
        var json = JobDocuments.WriteDelivery(delivery)!;
        JobDocuments.ReadDelivery("{\"kind\":\"convert\"}", json).ShouldBe(delivery, new DeliveryComparer());
        JobDocuments.ReadDelivery("{\"kind\":\"convert\"}", null).ShouldBe(JobDelivery.None);

        // A row of the previous release without delivery fields (or a bare test row) has none.
        JobDocuments.ReadDelivery("{}", null).ShouldBe(JobDelivery.None, new DeliveryComparer());
        Should.Throw<System.Text.Json.JsonException>(() => JobDocuments.ReadSpec("{}"));
    }

    private sealed class DeliveryComparer : IEqualityComparer<JobDelivery>
    {
        public bool Equals(JobDelivery? x, JobDelivery? y) =>
            x is not null && y is not null && x.TimeoutSeconds == y.TimeoutSeconds && x.StreamInput == y.StreamInput
            && x.Webhook?.Url == y.Webhook?.Url && (x.Webhook?.Events ?? []).SequenceEqual(y.Webhook?.Events ?? [])
            && (x.SealedCredentials?.Count ?? 0) == (y.SealedCredentials?.Count ?? 0);

        public int GetHashCode(JobDelivery obj) => obj.TimeoutSeconds ?? 0;
    }
}
