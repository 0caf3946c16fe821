namespace Loom.Text.Tokenizers;

/// <summary>
/// GPT-2's byte-to-character map, which byte-level BPE vocabularies in tokenizer.json use to write bytes as
/// printable text: the printable Latin-1 bytes stand for themselves, the other 68 bytes (controls, space, soft
/// hyphen…) become U+0100 onwards, in byte order. "Ġ" (U+0120) is the space byte.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    // Every mapped character is below U+0144; -1 marks characters outside the alphabet.
    private static readonly short[] CharToByte = BuildCharToByte();

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[0x144];
        Array.Fill(map, (short)-1);
        for (int b = 0; b < 256; b++) map[ByteToChar[b]] = (short)b;
        return map;
    }

    public static char ToChar(byte b) => ByteToChar[b];

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    /// <summary>The bytes a vocabulary string stands for, or null when a character is outside the alphabet.</summary>
    public static byte[]? Decode(string text) => Decode(text.AsSpan());

    /// <summary>The bytes a vocabulary text stands for, or null when a character is outside the alphabet.</summary>
    public static byte[]? Decode(ReadOnlySpan<char> text)
    {
        var bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c >= CharToByte.Length || CharToByte[c] < 0) return null;
            bytes[i] = (byte)CharToByte[c];
        }
        return bytes;
    }
}
