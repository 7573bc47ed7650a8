using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace CustomerVault.Audit;

/// <summary>
/// A compact JWS (RFC 7515) written while its payload is produced, for documents too large to hold in memory. The
/// compact form is <c>header.payload.signature</c>, each part base64url, and the signature covers the ASCII text
/// <c>header.payload</c>: so the text is hashed as it goes out and the signature is appended at the end. The result
/// is an ordinary compact JWS that any JOSE library verifies. Write the payload's bytes to this stream, then call
/// <see cref="CompleteAsync"/>; until then the output is not a valid JWS (a broken transfer cannot pass for a whole one).
/// </summary>
public sealed class StreamingJws : Stream
{
    private const int Chunk = 3 * 4096;
    private readonly Stream _output;
    private readonly Func<byte[], byte[]> _signHash;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _carry = new byte[2];
    private int _carried;
    private bool _started;
    private readonly string _encodedHeader;

    /// <param name="encodedHeader">The protected header, base64url.</param>
    /// <param name="signHash">Signs a SHA-256 hash with the key the header names.</param>
    public StreamingJws(Stream output, string encodedHeader, Func<byte[], byte[]> signHash)
    {
        _output = output;
        _encodedHeader = encodedHeader;
        _signHash = signHash;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        var encoded = ArrayPool<byte>.Shared.Rent(Base64Url.GetEncodedLength(Chunk + 2));
        try
        {
            while (buffer.Length + _carried >= 3)
            {
                // The bytes left over from the last write come first; only whole 3-byte groups are encoded before the end.
                var take = Math.Min(buffer.Length, Chunk - _carried);
                var input = ArrayPool<byte>.Shared.Rent(_carried + take);
                try
                {
                    _carry.AsSpan(0, _carried).CopyTo(input);
                    buffer.Span[..take].CopyTo(input.AsSpan(_carried));
                    var length = _carried + take;
                    Base64Url.EncodeToUtf8(input.AsSpan(0, length), encoded, out var consumed, out var written, isFinalBlock: false);
                    _carried = length - consumed;
                    input.AsSpan(consumed, _carried).CopyTo(_carry);
                    buffer = buffer[take..];
                    await EmitAsync(encoded.AsMemory(0, written), cancellationToken);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(input);
                }
            }

            buffer.Span.CopyTo(_carry.AsSpan(_carried));
            _carried += buffer.Length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(encoded);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Write the payload asynchronously.");

    public override Task FlushAsync(CancellationToken cancellationToken) => _output.FlushAsync(cancellationToken);

    public override void Flush()
    {
    }

    /// <summary>Ends the payload and appends the signature.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        var last = new byte[4];
        Base64Url.EncodeToUtf8(_carry.AsSpan(0, _carried), last, out _, out var written);
        _carried = 0;
        await EmitAsync(last.AsMemory(0, written), cancellationToken);
        var signature = _signHash(_hash.GetHashAndReset());
        await _output.WriteAsync(Encoding.ASCII.GetBytes("." + Base64Url.EncodeToString(signature)), cancellationToken);
        await _output.FlushAsync(cancellationToken);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        if (!_started)
        {
            _started = true;
            await EmitAsync(Encoding.ASCII.GetBytes(_encodedHeader + "."), cancellationToken);
        }
    }

    private async ValueTask EmitAsync(ReadOnlyMemory<byte> text, CancellationToken cancellationToken)
    {
        _hash.AppendData(text.Span);
        await _output.WriteAsync(text, cancellationToken);
    }
}
