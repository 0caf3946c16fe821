using System.Buffers.Binary;
using System.Text;

namespace Loom.Tests.Formats;

/// <summary>A scratch folder for one test class, deleted afterwards, and a byte-level safetensors builder.</summary>
public sealed class SafetensorsTestFiles : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("loom-safetensors-").FullName;

    public string PathFor(string name) => Path.Combine(Folder, name);

    /// <summary>Writes [u64 LE length][header JSON][data] by hand; lengthOverride fakes a wrong header length.</summary>
    public string WriteRaw(string name, string headerJson, byte[] data, ulong? lengthOverride = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, lengthOverride ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        string path = PathFor(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
