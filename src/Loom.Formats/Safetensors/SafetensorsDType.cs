namespace Loom.Formats;

/// <summary>The element types Loom reads and writes in safetensors files (names as in the header's "dtype").</summary>
public enum SafetensorsDType
{
    F32,
    F16,
    BF16,
}

internal static class SafetensorsDTypes
{
    public static readonly string Supported = string.Join(", ", Enum.GetNames<SafetensorsDType>());

    public static int Size(SafetensorsDType dtype) => dtype == SafetensorsDType.F32 ? 4 : 2;

    /// <summary>Exact, case-sensitive match on the header name (as Hugging Face's reader does).</summary>
    public static bool TryParse(string name, out SafetensorsDType dtype)
    {
        foreach (var candidate in Enum.GetValues<SafetensorsDType>())
        {
            if (candidate.ToString() == name)
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }
}
