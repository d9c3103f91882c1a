using System.Collections;

namespace FfmpegApi.Core;

/// <summary>
/// A logging scope with one named value (e.g. <c>job_id</c>): structured sinks get the key/value, text sinks get
/// "key=value" instead of a type name.
/// </summary>
public sealed class LogScope(string key, string value) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?> _pair = new(key, value);

    public int Count => 1;

    public KeyValuePair<string, object?> this[int index] => index == 0 ? _pair : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return _pair;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{_pair.Key}={_pair.Value}";
}
