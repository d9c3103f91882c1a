using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>A span as the collector decoded it from OTLP/protobuf (ids in lowercase hex).</summary>
public sealed record ReceivedSpan(string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, IReadOnlyDictionary<string, string> Attributes, int StatusCode)
{
    public string? Attribute(string key) => Attributes.TryGetValue(key, out var value) ? value : null;
}

/// <summary>
/// A real OTLP/HTTP trace receiver on loopback (Kestrel, <c>POST /v1/traces</c>) that decodes the protobuf export
/// requests itself — a wire-format walker over the few fields of trace.proto the tests read, no generated code.
/// </summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpCollector(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    public ConcurrentQueue<string> ContentTypes { get; } = new();

    public string Endpoint => _app.Urls.First();

    public static async Task<OtlpCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var collector = new OtlpCollector(app);
        app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            collector.ContentTypes.Enqueue(context.Request.ContentType ?? string.Empty);
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            foreach (var span in Decode(buffer.ToArray()))
            {
                collector.Spans.Enqueue(span);
            }

            context.Response.ContentType = "application/x-protobuf";
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        return collector;
    }

    /// <summary>Waits until <paramref name="done"/> holds over the spans received so far.</summary>
    public async Task<IReadOnlyList<ReceivedSpan>> WaitForAsync(Func<IReadOnlyList<ReceivedSpan>, bool> done, TimeSpan timeout)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var spans = Spans.ToList();
            if (done(spans) || started.Elapsed > timeout)
            {
                return spans;
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    // ExportTraceServiceRequest.resource_spans = 1; ResourceSpans.scope_spans = 2; ScopeSpans.scope = 1, spans = 2.
    private static IEnumerable<ReceivedSpan> Decode(byte[] request)
    {
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans.Bytes).Where(f => f.Number == 2))
            {
                var fields = Fields(scopeSpans.Bytes).ToList();
                var scope = fields.Where(f => f.Number == 1).Select(f => Text(Fields(f.Bytes), 1)).FirstOrDefault() ?? string.Empty;
                foreach (var span in fields.Where(f => f.Number == 2))
                {
                    yield return DecodeSpan(scope, span.Bytes);
                }
            }
        }
    }

    // Span: trace_id = 1, span_id = 2, parent_span_id = 4, name = 5, kind = 6, attributes = 9 (KeyValue), status = 15.
    private static ReceivedSpan DecodeSpan(string scope, byte[] bytes)
    {
        var fields = Fields(bytes).ToList();
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in fields.Where(f => f.Number == 9).Select(f => Fields(f.Bytes).ToList()))
        {
            // KeyValue: key = 1, value = 2 (AnyValue: string = 1, bool = 2, int = 3, double = 4).
            var value = pair.FirstOrDefault(f => f.Number == 2)?.Bytes is { } any ? AnyValue(any) : string.Empty;
            attributes[Text(pair, 1) ?? string.Empty] = value;
        }

        var status = fields.FirstOrDefault(f => f.Number == 15)?.Bytes is { } s ? (int)(Fields(s).FirstOrDefault(f => f.Number == 3)?.Varint ?? 0) : 0;
        return new ReceivedSpan(
            scope,
            Hex(fields, 1),
            Hex(fields, 2),
            Hex(fields, 4),
            Text(fields, 5) ?? string.Empty,
            (int)(fields.FirstOrDefault(f => f.Number == 6)?.Varint ?? 0),
            attributes,
            status);
    }

    private static string AnyValue(byte[] bytes)
    {
        var field = Fields(bytes).First();
        return field.Number switch
        {
            1 => Encoding.UTF8.GetString(field.Bytes),
            2 => (field.Varint != 0).ToString(),
            3 => ((long)field.Varint).ToString(System.Globalization.CultureInfo.InvariantCulture),
            4 => BitConverter.Int64BitsToDouble((long)field.Varint).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => string.Empty,
        };
    }

    private static string? Text(IEnumerable<Field> fields, int number) =>
        fields.FirstOrDefault(f => f.Number == number)?.Bytes is { } b ? Encoding.UTF8.GetString(b) : null;

    private static string Hex(IEnumerable<Field> fields, int number) =>
        fields.FirstOrDefault(f => f.Number == number)?.Bytes is { Length: > 0 } b ? Convert.ToHexStringLower(b) : string.Empty;

    private sealed record Field(int Number, ulong Varint, byte[] Bytes);

    private static IEnumerable<Field> Fields(byte[] data)
    {
        var position = 0;
        while (position < data.Length)
        {
            var tag = ReadVarint(data, ref position);
            var (number, wire) = ((int)(tag >> 3), (int)(tag & 7));
            switch (wire)
            {
                case 0:
                    yield return new Field(number, ReadVarint(data, ref position), []);
                    break;
                case 1:
                    yield return new Field(number, BitConverter.ToUInt64(data, position), []);
                    position += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(data, ref position);
                    yield return new Field(number, 0, data[position..(position + length)]);
                    position += length;
                    break;
                case 5:
                    yield return new Field(number, BitConverter.ToUInt32(data, position), []);
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unsupported protobuf wire type {wire}.");
            }
        }
    }

    private static ulong ReadVarint(byte[] data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }
}
