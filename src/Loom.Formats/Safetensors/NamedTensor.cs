namespace Loom.Formats;

/// <summary>A float32 tensor with a name, as stored in (or loaded from) a weights file: row-major Data, Shape dims.</summary>
public sealed record NamedTensor(string Name, int[] Shape, float[] Data);
