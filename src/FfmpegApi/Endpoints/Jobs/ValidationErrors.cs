using FfmpegApi.Errors;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>Field → messages, plus the most specific error code seen (codec mismatch beats a generic one).</summary>
public sealed class ValidationErrors
{
    private static readonly string[] CodePriority =
    [
        Errors.ErrorCodes.InsufficientResources,
        Errors.ErrorCodes.CodecMismatch,
        Errors.ErrorCodes.InvalidInput,
        Errors.ErrorCodes.InvalidOutput,
        Errors.ErrorCodes.InvalidOperation,
        Errors.ErrorCodes.InvalidRequest,
    ];

    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _fieldCodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ErrorDetail> _details = new(StringComparer.Ordinal);
    private string? _code;

    public bool Any => _errors.Count > 0;

    /// <summary>Messages recorded so far (a field may have several).</summary>
    public int Count { get; private set; }

    public string Code => _code ?? Errors.ErrorCodes.InvalidRequest;

    /// <summary>Records an error; <paramref name="value"/> and <paramref name="allowed"/> feed the original API's
    /// <c>error.details</c> (<c>value</c>, <c>allowed</c>, <c>suggestion</c>).</summary>
    public void Add(string field, string message, string code, string? value = null, IReadOnlyList<string>? allowed = null)
    {
        _details.TryAdd(field, new ErrorDetail(field, value, allowed, ErrorDetail.Suggest(value, allowed)));
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
        Count++;
        _fieldCodes.TryAdd(field, code);
        if (_code is null || Array.IndexOf(CodePriority, code) < Array.IndexOf(CodePriority, _code))
        {
            _code = code;
        }
    }

    /// <summary>Copies every error of <paramref name="other"/> with <paramref name="prefix"/> before its field (a batch's <c>jobs[i].request.</c>).</summary>
    public void AddAll(string prefix, ValidationErrors other) => AddAll(other, field => prefix + field);

    /// <summary>The same errors with each field renamed by <paramref name="rename"/> (a rewritten body's fields → the request's).</summary>
    public ValidationErrors Renamed(Func<string, string> rename)
    {
        var renamed = new ValidationErrors();
        renamed.AddAll(this, rename);
        return renamed;
    }

    private void AddAll(ValidationErrors other, Func<string, string> rename)
    {
        foreach (var (field, messages) in other._errors)
        {
            var detail = other._details[field];
            foreach (var message in messages)
            {
                Add(rename(field), message, other._fieldCodes[field], detail.Value, detail.Allowed);
            }
        }
    }

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>A one-sentence summary for <c>detail</c>.</summary>
    public string Summary()
    {
        var (field, messages) = Lead();
        var more = _errors.Count > 1 ? $" (and {_errors.Count - 1} more)" : string.Empty;
        return $"{field}: {messages[0]}{more}";
    }

    /// <summary>The details of the leading error (the one <see cref="Summary"/> names).</summary>
    public ErrorDetail LeadDetail() => _details[Lead().Key];

    // Lead with an error of the reported code, so detail and code agree.
    private KeyValuePair<string, List<string>> Lead() => _errors.FirstOrDefault(e => _fieldCodes[e.Key] == Code, _errors.First());
}
