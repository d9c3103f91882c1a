using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.ML.OnnxRuntime;

namespace FfmpegApi.Core.Upscaling;

/// <summary>
/// Decoder stdout → model → encoder stdin, overlapped: three loops joined by bounded channels, so at most a few frames
/// are in memory whatever the video's length, and decoding, inference and encoding run at the same time. Buffers come
/// from the shared array pool. A failure anywhere aborts the rest (<see cref="Token"/>); the caller then reports
/// <see cref="Fault"/> or the failing process's error.
/// </summary>
public sealed class UpscalePipeline : IDisposable
{
    private readonly FrameUpscaler _upscaler;
    private readonly int _inBytes;
    private readonly int _outBytes;
    private readonly int _framesPerCall;
    private readonly Channel<byte[]> _decoded;
    private readonly Channel<byte[]> _upscaled;
    private readonly CancellationTokenSource _abort;
    private long _framesIn;
    private long _framesOut;

    public UpscalePipeline(FrameUpscaler upscaler, int width, int height, int batchSize, int framesInFlight, CancellationToken runToken)
    {
        _upscaler = upscaler;
        _inBytes = width * height * 3;
        _outBytes = upscaler.OutputWidth * upscaler.OutputHeight * 3;
        _framesPerCall = Math.Max(1, batchSize / upscaler.TilesPerFrame);
        _decoded = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(framesInFlight + _framesPerCall) { SingleReader = true, SingleWriter = true });
        _upscaled = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(framesInFlight) { SingleReader = true, SingleWriter = true });
        _abort = CancellationTokenSource.CreateLinkedTokenSource(runToken);
    }

    /// <summary>Cancelled when the run stops or a stage fails: the decoder is stopped with it.</summary>
    public CancellationToken Token => _abort.Token;

    /// <summary>The first stage failure (a model error, a short frame); null when every stage ended normally.</summary>
    public Exception? Fault { get; private set; }

    public long FramesDecoded => Interlocked.Read(ref _framesIn);

    public long FramesEncoded => Interlocked.Read(ref _framesOut);

    /// <summary>Called after each model call with the frames it produced and its duration.</summary>
    public Action<int, TimeSpan>? OnInference { get; init; }

    /// <summary>Reads whole frames from the decoder's stdout until it ends.</summary>
    public async Task ReadAsync(Stream stdout)
    {
        try
        {
            while (true)
            {
                var frame = ArrayPool<byte>.Shared.Rent(_inBytes);
                var read = await stdout.ReadAtLeastAsync(frame.AsMemory(0, _inBytes), _inBytes, throwOnEndOfStream: false, Token);
                if (read < _inBytes)
                {
                    ArrayPool<byte>.Shared.Return(frame);
                    if (read > 0)
                    {
                        Fail(new InvalidDataException($"the decoder ended in the middle of a frame ({read} of {_inBytes} bytes)"));
                    }

                    break;
                }

                await _decoded.Writer.WriteAsync(frame, Token);
                Interlocked.Increment(ref _framesIn);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _decoded.Writer.TryComplete();
            await DrainAsync(stdout);
        }
    }

    /// <summary>Upscales frames as they arrive, several per model call when tiles allow; runs on a pool thread.</summary>
    public Task InferAsync() => Task.Run(async () =>
    {
        using var run = new RunOptions();
        using var terminate = Token.Register(() => run.Terminate = true);
        var batch = new List<byte[]>(_framesPerCall);
        var outputs = new List<byte[]>(_framesPerCall);
        try
        {
            while (await _decoded.Reader.WaitToReadAsync(Token))
            {
                while (batch.Count < _framesPerCall && _decoded.Reader.TryRead(out var frame))
                {
                    batch.Add(frame);
                }

                outputs.AddRange(batch.Select(_ => ArrayPool<byte>.Shared.Rent(_outBytes)));
                var started = Stopwatch.GetTimestamp();
                _upscaler.Upscale(batch, outputs, run);
                OnInference?.Invoke(batch.Count, Stopwatch.GetElapsedTime(started));
                ReturnAll(batch);
                foreach (var output in outputs)
                {
                    await _upscaled.Writer.WriteAsync(output, Token);
                }

                outputs.Clear();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            // Any failure (the model's, or a bug) must stop the decoder too, or it would block on a full pipe forever.
            Fail(Token.IsCancellationRequested ? null : ex);
        }
        finally
        {
            ReturnAll(batch);
            ReturnAll(outputs);
            _upscaled.Writer.TryComplete();
        }
    });

    /// <summary>Feeds upscaled frames to the encoder's stdin in order; returns when they are all written (stdin is then closed).</summary>
    public async Task WriteAsync(Stream stdin)
    {
        try
        {
            await foreach (var frame in _upscaled.Reader.ReadAllAsync(Token))
            {
                try
                {
                    await stdin.WriteAsync(frame.AsMemory(0, _outBytes), Token);
                    Interlocked.Increment(ref _framesOut);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(frame);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
            // The encoder exited (its own error is reported): stop decoding and inference.
            _abort.Cancel();
        }
        finally
        {
            while (_upscaled.Reader.TryRead(out var left))
            {
                ArrayPool<byte>.Shared.Return(left);
            }
        }
    }

    public void Dispose()
    {
        while (_decoded.Reader.TryRead(out var frame))
        {
            ArrayPool<byte>.Shared.Return(frame);
        }

        _abort.Dispose();
    }

    /// <summary>Stops every stage (the encoder failed or the run stopped).</summary>
    public void Abort() => _abort.Cancel();

    private void Fail(Exception? ex)
    {
        Fault ??= ex;
        _abort.Cancel();
    }

    private static void ReturnAll(List<byte[]> frames)
    {
        foreach (var frame in frames)
        {
            ArrayPool<byte>.Shared.Return(frame);
        }

        frames.Clear();
    }

    /// <summary>After a stop the decoder may still be writing: read and drop until it exits, so it never blocks on a full pipe.</summary>
    private static async Task DrainAsync(Stream stdout)
    {
        var sink = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (await stdout.ReadAsync(sink) > 0)
            {
            }
        }
        catch (IOException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(sink);
        }
    }
}
