using System.Runtime.CompilerServices;

// The tool-call stream filter, the chat prompt builder and the tool syntax are internal parts of the local chat
// client; the unit tests exercise them directly.
[assembly: InternalsVisibleTo("Loom.Tests")]
