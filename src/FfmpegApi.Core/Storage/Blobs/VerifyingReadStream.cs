using System.Security.Cryptography;

namespace FfmpegApi.Core.Storage.Blobs;

/// <summary>What was read from an object does not match what the store says it holds (truncated or corrupted in transit).</summary>
public sealed class BlobChecksumException(string message) : IOException(message);

/// <summary>
/// A read stream over an object that checks, when it reaches the end, that exactly the stored length arrived and, when
/// the store keeps one, that the content's MD5 matches. A mismatch throws <see cref="BlobChecksumException"/> (an
/// <see cref="IOException"/>: a job staging the object retries it as a storage error), so a damaged transfer never
/// becomes a job input. Upload integrity is checked by the stores themselves: every PUT, part and block carries its
/// Content-MD5, which the service verifies.
/// </summary>
public sealed class VerifyingReadStream(Stream inner, string address, long? expectedLength, byte[]? expectedMd5) : Stream
{
    // MD5 is what S3, GCS and Azure keep and verify as Content-MD5: an integrity check, not a security boundary.
#pragma warning disable CA5351
    private readonly IncrementalHash? _md5 = expectedMd5 is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
    private long _read;
    private bool _checked;

    /// <summary>Disposed with the stream (e.g. the SDK response the body belongs to).</summary>
    public IDisposable? Owner { get; init; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => expectedLength ?? throw new NotSupportedException();

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Account(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Account((await inner.ReadAsync(buffer, cancellationToken)) is var n ? buffer.Span[..n] : default);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            Owner?.Dispose();
            _md5?.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Account(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length > 0)
        {
            _read += chunk.Length;
            _md5?.AppendData(chunk);
            return chunk.Length;
        }

        if (!_checked)
        {
            _checked = true;
            if (expectedLength is { } length && _read != length)
            {
                throw new BlobChecksumException($"{address}: {_read} of {length} bytes arrived (the transfer was cut short).");
            }

            if (_md5 is not null && !CryptographicOperations.FixedTimeEquals(_md5.GetHashAndReset(), expectedMd5))
            {
                throw new BlobChecksumException($"{address}: the content's MD5 does not match the stored checksum (damaged in transit or in storage).");
            }
        }

        return 0;
    }

    /// <summary>MD5 of a buffer, for the Content-MD5 of one request.</summary>
#pragma warning disable CA5351
    public static byte[] Md5(ReadOnlySpan<byte> data) => MD5.HashData(data);
#pragma warning restore CA5351
}
