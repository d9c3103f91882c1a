using System.Text.Json;
using FfmpegApi.Core.Batches;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Endpoints.Analyze;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Endpoints.Stream;
using FfmpegApi.Endpoints.Thumbnails;
using FfmpegApi.Media.Specs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Batch;

/// <summary>One job of a batch that passed validation.</summary>
public sealed record BatchEntry(int Index, string Id, JobEnvelope Envelope, IReadOnlyList<int> DependsOn);

/// <summary>A job of a partial batch that was not created, with its field errors (named <c>jobs[i].…</c>).</summary>
public sealed record BatchRejection(int Index, IDictionary<string, string[]> Errors);

/// <summary>A validated batch request: its mode, the jobs to create and (partial mode) the rejected ones.</summary>
public sealed record BatchPlan(string Mode, IReadOnlyList<BatchEntry> Accepted, IReadOnlyList<BatchRejection> Rejected);

/// <summary>
/// <c>POST /batch</c> body → plan. Each job is mapped by its kind's own mapper (the same validation as its endpoint);
/// errors are named <c>jobs[i].request.field</c>. A job may depend on earlier jobs only (so there are no cycles) and may
/// read what they will write: their outputs count as existing inputs. Two jobs may not write the same output.
/// </summary>
public sealed class BatchRequestMapper(JobMapping mapping, JobSubmitter submitter, int maxJobs, Func<string> newId)
{
    public static readonly IReadOnlyDictionary<string, JobBodyMapper> Kinds = new Dictionary<string, JobBodyMapper>(StringComparer.Ordinal)
    {
        ["convert"] = ConvertEndpoints.Mapper,
        ["analyze"] = AnalyzeEndpoints.Mapper,
        ["stream"] = StreamEndpoints.Mapper,
        ["thumbnails"] = ThumbnailsEndpoints.Mapper,
    };

    private static readonly string[] Modes = [Core.Batches.Batch.Atomic, Core.Batches.Batch.Partial];

    /// <summary>The plan, or null with the errors: top-level mistakes, or (atomic mode) every failing job.</summary>
    public async Task<(BatchPlan? Plan, ValidationErrors Errors)> MapAsync(JsonElement body, CancellationToken cancellationToken)
    {
        var fields = JsonFields.ForBody(body, ["mode", "jobs"], out var isObject);
        var errors = fields.Errors;
        if (!isObject)
        {
            return (null, errors);
        }

        var mode = fields.String(body, "mode", string.Empty, InvalidRequest) ?? Core.Batches.Batch.Atomic;
        if (!Modes.Contains(mode))
        {
            errors.Add("mode", "One of atomic (all jobs valid or none created, the default) or partial (valid jobs created, the rest listed).", InvalidRequest, mode, Modes);
        }

        if (!body.TryGetProperty("jobs", out var jobs) || jobs.ValueKind != JsonValueKind.Array || jobs.GetArrayLength() is 0 || jobs.GetArrayLength() > maxJobs)
        {
            errors.Add("jobs", $"Required: an array of 1 to {maxJobs} jobs, each {{ \"type\": \"convert|analyze|stream|thumbnails\", \"request\": {{…}}, \"depends_on\": [earlier indexes] }}.", InvalidRequest);
        }

        if (errors.Any)
        {
            return (null, errors);
        }

        var accepted = new Dictionary<int, BatchEntry>();
        var rejected = new List<BatchRejection>();
        var writers = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var element in jobs.EnumerateArray())
        {
            var jobErrors = new ValidationErrors();
            var entry = await MapJobAsync(element, index, accepted, writers, jobErrors, cancellationToken);
            if (entry is null)
            {
                var prefixed = new ValidationErrors();
                prefixed.AddAll($"jobs[{index}].", jobErrors);
                errors.AddAll(string.Empty, prefixed);
                rejected.Add(new BatchRejection(index, prefixed.ToDictionary()));
            }
            else
            {
                accepted[index] = entry;
                foreach (var output in entry.Envelope.Spec.AllOutputs)
                {
                    writers[output.Path] = index;
                }
            }

            index++;
        }

        if (accepted.Count == 0 || (errors.Any && mode == Core.Batches.Batch.Atomic))
        {
            return (null, errors);
        }

        return (new BatchPlan(mode, [.. accepted.Values.OrderBy(e => e.Index)], rejected), errors);
    }

    private async Task<BatchEntry?> MapJobAsync(
        JsonElement element, int index, Dictionary<int, BatchEntry> accepted, Dictionary<string, int> writers, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var fields = new JsonFields(errors);
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add("type", "Each job must be an object { \"type\": …, \"request\": {…}, \"depends_on\": […] }.", InvalidRequest);
            return null;
        }

        fields.RejectUnknown(element, string.Empty, InvalidRequest, "type", "request", "depends_on");
        var type = fields.String(element, "type", string.Empty, InvalidRequest);
        JobBodyMapper? map = null;
        if (type is null || !Kinds.TryGetValue(type, out map))
        {
            errors.Add("type", $"Required: one of {string.Join(", ", Kinds.Keys)}.", InvalidRequest, type, [.. Kinds.Keys]);
        }

        if (!element.TryGetProperty("request", out var request) || request.ValueKind != JsonValueKind.Object)
        {
            errors.Add("request", "Required: the job's body, exactly as its endpoint (POST /convert, /analyze, /stream, /thumbnails) takes it.", InvalidRequest);
        }

        var dependsOn = MapDependencies(element, index, accepted, errors);
        if (errors.Any || map is null)
        {
            return null;
        }

        // What the dependencies (and theirs) will write counts as existing input for this job.
        var pending = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<int>(dependsOn);
        while (stack.TryPop(out var d))
        {
            foreach (var output in accepted[d].Envelope.Spec.AllOutputs)
            {
                pending.Add(output.Path);
            }

            foreach (var next in accepted[d].DependsOn)
            {
                stack.Push(next);
            }
        }

        var id = newId();
        var (envelope, specErrors) = await map(mapping with { Mounts = mapping.Mounts.WithPendingOutputs(pending) }, request, id);
        if (envelope is null)
        {
            errors.AddAll("request.", specErrors);
            return null;
        }

        foreach (var output in envelope.Spec.AllOutputs)
        {
            if (writers.TryGetValue(output.Path, out var other))
            {
                errors.Add("request.output", $"{output.Path} is also written by jobs[{other}]; each job of a batch needs its own output.", InvalidOutput, output.Path);
            }
        }

        return await submitter.CheckAsync(envelope, "request.", errors, cancellationToken) && !errors.Any ? new BatchEntry(index, id, envelope, dependsOn) : null;
    }

    private static List<int> MapDependencies(JsonElement element, int index, Dictionary<int, BatchEntry> accepted, ValidationErrors errors)
    {
        var dependsOn = new List<int>();
        if (!element.TryGetProperty("depends_on", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return dependsOn;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            errors.Add("depends_on", "Must be an array of indexes of earlier jobs in this batch, e.g. [0].", InvalidRequest);
            return dependsOn;
        }

        var k = 0;
        foreach (var item in list.EnumerateArray())
        {
            var field = $"depends_on[{k++}]";
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var d) || d < 0 || d >= index)
            {
                errors.Add(field, index == 0
                    ? "The first job cannot depend on another: jobs may depend on earlier jobs only."
                    : $"Must be the index of an earlier job (0 to {index - 1}): jobs may depend on earlier jobs only, so there are no cycles.", InvalidRequest);
            }
            else if (dependsOn.Contains(d))
            {
                errors.Add(field, $"jobs[{d}] is listed twice.", InvalidRequest);
            }
            else if (!accepted.ContainsKey(d))
            {
                errors.Add(field, $"jobs[{d}] was rejected, so this job cannot run after it.", InvalidRequest);
            }
            else
            {
                dependsOn.Add(d);
            }
        }

        return dependsOn;
    }
}
