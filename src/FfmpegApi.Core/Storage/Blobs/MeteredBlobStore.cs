using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FfmpegApi.Core.Storage.Blobs;

/// <summary>Counts every operation of the store it wraps (see <see cref="StorageMetrics"/>); behaviour is unchanged.</summary>
internal sealed class MeteredBlobStore : IBlobStore, IDisposable
{
    private readonly IBlobStore _inner;
    private readonly StorageMetrics _metrics;
    private readonly string _backend;

    public MeteredBlobStore(IBlobStore inner, StorageMetrics metrics)
    {
        (_inner, _metrics, _backend) = (inner, metrics, inner.Scheme);
        metrics.StartSeries(_backend, "read", "write");
    }

    public string Scheme => _inner.Scheme;

    public Task<BlobInfo?> StatAsync(string container, string key, CancellationToken cancellationToken) =>
        MeasureAsync("stat", () => _inner.StatAsync(container, key, cancellationToken), info => info is null ? "not_found" : "ok");

    public async Task<Stream> OpenReadAsync(string container, string key, CancellationToken cancellationToken)
    {
        var stream = await MeasureAsync("read", () => _inner.OpenReadAsync(container, key, cancellationToken), _ => "ok");
        return new CountingReadStream(stream, bytes => _metrics.Transferred(_backend, "read", bytes));
    }

    public async Task<BlobInfo> UploadAsync(string container, string key, Stream content, string? contentType, CancellationToken cancellationToken)
    {
        var info = await MeasureAsync("write", () => _inner.UploadAsync(container, key, content, contentType, cancellationToken), _ => "ok");
        _metrics.Transferred(_backend, "write", info.Size);
        return info;
    }

    public Task DeleteAsync(string container, string key, CancellationToken cancellationToken) =>
        MeasureAsync("delete", async () =>
        {
            await _inner.DeleteAsync(container, key, cancellationToken);
            return true;
        }, _ => "ok");

    public async IAsyncEnumerable<BlobInfo> ListAsync(string container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            await foreach (var item in _inner.ListAsync(container, prefix, cancellationToken))
            {
                yield return item;
            }

            outcome = "ok";
        }
        finally
        {
            _metrics.Record(_backend, "list", outcome, Stopwatch.GetElapsedTime(started));
        }
    }

    public Task<Uri?> PresignReadAsync(string container, string key, TimeSpan validFor, CancellationToken cancellationToken) =>
        MeasureAsync("presign", () => _inner.PresignReadAsync(container, key, validFor, cancellationToken), _ => "ok");

    public void Dispose() => (_inner as IDisposable)?.Dispose();

    private async Task<T> MeasureAsync<T>(string operation, Func<Task<T>> call, Func<T, string> outcomeOf)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await call();
            _metrics.Record(_backend, operation, outcomeOf(result), Stopwatch.GetElapsedTime(started));
            return result;
        }
        catch (BlobNotFoundException)
        {
            _metrics.Record(_backend, operation, "not_found", Stopwatch.GetElapsedTime(started));
            throw;
        }
        catch (OperationCanceledException)
        {
            _metrics.Record(_backend, operation, "cancelled", Stopwatch.GetElapsedTime(started));
            throw;
        }
        catch
        {
            _metrics.Record(_backend, operation, "error", Stopwatch.GetElapsedTime(started));
            throw;
        }
    }

    /// <summary>Passes reads through and reports the bytes once, when disposed.</summary>
    private sealed class CountingReadStream(Stream inner, Action<long> report) : Stream
    {
        private long _read;
        private int _reported;

        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _reported, 1) == 0)
            {
                report(_read);
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _reported, 1) == 0)
            {
                report(_read);
                await inner.DisposeAsync();
            }

            await base.DisposeAsync();
        }

        private int Count(int read)
        {
            _read += read;
            return read;
        }
    }
}
