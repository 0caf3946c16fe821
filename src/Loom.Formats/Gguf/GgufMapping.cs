using Loom.Core;

namespace Loom.Formats.Gguf;

/// <summary>
/// Where a GGUF file's bytes are mapped, shared by the file and the metadata arrays it reads lazily: the file clears
/// the pointer when it unmaps, so an array first read after that fails with ObjectDisposedException instead of
/// touching unmapped memory.
/// </summary>
internal sealed unsafe class GgufMapping
{
    private byte* _start;

    public GgufMapping(byte* start, long length, string file)
    {
        _start = start;
        Length = length;
        File = file;
    }

    public long Length { get; }
    /// <summary>The file name, for messages.</summary>
    public string File { get; }

    /// <summary>The first byte of the file; throws once the file is unmapped.</summary>
    public byte* Start => _start != null
        ? _start
        : throw new ObjectDisposedException(File, $"{File}: the GGUF file was disposed before this metadata array was first read");

    public void Unmap() => _start = null;

    /// <summary>Bytes [offset, offset + count) of the file, checked against its end.</summary>
    public ReadOnlySpan<byte> Bytes(long offset, long count) =>
        offset >= 0 && count >= 0 && count <= int.MaxValue && offset <= Length - count
            ? new ReadOnlySpan<byte>(Start + offset, (int)count)
            : throw LoomException.Format(File, $"bytes [{offset}, {offset + count}) are outside the file ({Length} bytes)");
}
