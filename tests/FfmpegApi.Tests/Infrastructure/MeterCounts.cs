using System.Diagnostics.Metrics;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>
/// Sums the counters of the meters one <see cref="IMeterFactory"/> made (one server's, or one test's): other servers
/// in the same test process share the meter names, so /metrics alone cannot tell whose a count is.
/// </summary>
public sealed class MeterCounts : IDisposable
{
    private readonly List<(string Name, KeyValuePair<string, object?>[] Tags, long Value)> _seen = [];
    private readonly MeterListener _listener = new();

    public MeterCounts(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (_seen)
            {
                _seen.Add((instrument.Name, tags.ToArray(), value));
            }
        });
        _listener.Start();
    }

    /// <summary>The sum of <paramref name="name"/> over measurements whose tags include every pair in <paramref name="match"/>.</summary>
    public long Sum(string name, params (string Key, string Value)[] match)
    {
        lock (_seen)
        {
            return _seen.Where(s => s.Name == name && match.All(m => s.Tags.Any(t => t.Key == m.Key && Equals(t.Value as string, m.Value)))).Sum(s => s.Value);
        }
    }

    public void Dispose() => _listener.Dispose();
}
