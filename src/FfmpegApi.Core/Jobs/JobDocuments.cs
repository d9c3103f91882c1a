using System.Text.Json;
using FfmpegApi.Media.Analysis;
using FfmpegApi.Media.Hardware;
using FfmpegApi.Media.Specs;
using FfmpegApi.Media.Streaming;
using FfmpegApi.Media.Thumbnails;

namespace FfmpegApi.Core.Jobs;

/// <summary>
/// The stored form of a job's spec and delivery. Rows written since the job kinds became types hold a spec with a
/// <c>kind</c> discriminator and a <c>delivery_json</c>; rows written before (one spec document with optional
/// <c>analysis</c>/<c>streaming</c>/<c>thumbnails</c> members and the delivery fields inside) are read through
/// their old shape, so a database made by an earlier release keeps working without rewriting it.
/// </summary>
public static class JobDocuments
{
    private const string KindFirst = "{\"kind\":";

    public static string WriteSpec(JobSpec spec) => JsonSerializer.Serialize(spec, JsonDefaults.Options);

    /// <summary>The delivery column: null when there is nothing to deliver beyond the defaults.</summary>
    public static string? WriteDelivery(JobDelivery delivery) =>
        delivery == JobDelivery.None ? null : JsonSerializer.Serialize(delivery, JsonDefaults.Options);

    public static JobSpec ReadSpec(string specJson) =>
        specJson.StartsWith(KindFirst, StringComparison.Ordinal)
            ? JsonSerializer.Deserialize<JobSpec>(specJson, JsonDefaults.Options) ?? throw new JsonException("The job spec is null.")
            : LegacyOf(specJson).Spec();

    public static JobSpec Spec(this Job job) => ReadSpec(job.SpecJson);

    public static JobDelivery Delivery(this Job job) => ReadDelivery(job.SpecJson, job.DeliveryJson);

    /// <summary>A row's delivery: its own column, or (rows of earlier releases) the fields inside the spec document.</summary>
    public static JobDelivery ReadDelivery(string specJson, string? deliveryJson) =>
        deliveryJson is { } json
            ? JsonSerializer.Deserialize<JobDelivery>(json, JsonDefaults.Options) ?? JobDelivery.None
            : specJson.StartsWith(KindFirst, StringComparison.Ordinal) ? JobDelivery.None : LegacyOf(specJson).Delivery();

    /// <summary>The envelope a row was made from (priority and attempts from its columns).</summary>
    public static JobEnvelope Envelope(this Job job) =>
        new(job.Spec(), Enum.IsDefined((JobPriority)job.Priority) ? (JobPriority)job.Priority : JobPriority.Normal, job.MaxAttempts) { Delivery = job.Delivery() };

    private static LegacySpec LegacyOf(string specJson) =>
        JsonSerializer.Deserialize<LegacySpec>(specJson, JsonDefaults.Options) ?? throw new JsonException("The job spec is null.");

    /// <summary>The one spec document of releases before the job kinds became types (read only).</summary>
    private sealed record LegacySpec(string? Input, OutputSpec? Output, IReadOnlyList<OperationSpec>? Operations, int? TimeoutSeconds)
    {
        public AnalysisSpec? Analysis { get; init; }

        public StreamingSpec? Streaming { get; init; }

        public ThumbnailSpec? Thumbnails { get; init; }

        public IReadOnlyList<OutputSpec>? ExtraOutputs { get; init; }

        public IReadOnlyDictionary<string, string>? SealedCredentials { get; init; }

        public bool StreamInput { get; init; }

        public int? AudioTrack { get; init; }

        public HardwareRequest? Hardware { get; init; }

        public JobWebhook? Webhook { get; init; }

        public JobSpec Spec()
        {
            var input = Input ?? throw new JsonException("The job spec has no input.");
            var output = Output ?? throw new JsonException("The job spec has no output.");
            JobSpec spec = this switch
            {
                { Analysis: { } analysis } => new AnalyzeSpec(input, output, analysis),
                { Streaming: { } streaming } => new StreamSpec(input, output, streaming),
                { Thumbnails: { } thumbnails } => new ThumbnailsSpec(input, output, thumbnails),
                _ => new ConvertSpec(input, output, Operations ?? []) { ExtraOutputs = ExtraOutputs ?? [], Hardware = Hardware },
            };
            return spec with { AudioTrack = AudioTrack };
        }

        public JobDelivery Delivery() => new() { TimeoutSeconds = TimeoutSeconds, Webhook = Webhook, SealedCredentials = SealedCredentials, StreamInput = StreamInput };
    }
}
