using System.Runtime.CompilerServices;

// The GGUF fuzz tests drive the header parser on in-memory buffers (thousands of mutations, no file per mutation).
[assembly: InternalsVisibleTo("Loom.Tests")]
