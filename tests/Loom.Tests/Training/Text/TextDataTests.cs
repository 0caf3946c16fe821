using System.Text;
using Loom.Core;
using Loom.Tests.Training.Trainer;
using Loom.Training.Text;

namespace Loom.Tests.Training.Text;

public class TextDataTests
{
    [Fact]
    public void Reads_a_file_dropping_the_byte_order_mark_and_normalizing_line_ends()
    {
        using var dir = new TempDirectory();
        string file = dir.Combine("a.txt");
        File.WriteAllBytes(file, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("héllo\r\nwörld\n")]);
        var data = TextData.Read(file);
        Assert.Equal("héllo\nwörld\n", data.Text);
        Assert.Equal([file], data.Files);
    }

    [Fact]
    public void Reads_a_folder_in_path_order_skipping_hidden_files()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("sub"));
        File.WriteAllText(dir.Combine("b.txt"), "second");
        File.WriteAllText(dir.Combine("a.txt"), "first\n");
        File.WriteAllText(dir.Combine("sub", "c.txt"), "third");
        File.WriteAllText(dir.Combine(".hidden"), "\0\0binary");
        var data = TextData.Read(dir.Path);
        Assert.Equal("first\nsecond\nthird", data.Text);
        Assert.Equal(3, data.Files.Count);
    }

    [Fact]
    public void Invalid_utf8_names_the_file_and_byte_offset()
    {
        using var dir = new TempDirectory();
        string file = dir.Combine("latin1.txt");
        File.WriteAllBytes(file, [.. Encoding.ASCII.GetBytes("caf"), 0xE9, .. Encoding.ASCII.GetBytes(" au lait")]);
        var error = Assert.Throws<LoomException>(() => TextData.Read(file));
        Assert.Equal(LoomErrorCode.InvalidFormat, error.Code);
        Assert.Contains(file, error.Message);
        Assert.Contains("not valid UTF-8: bad byte 0xE9 at offset 3", error.Message);
    }

    [Fact]
    public void Truncated_utf8_at_the_end_is_an_error_too()
    {
        var error = Assert.Throws<LoomException>(() => TextData.Decode("x.txt", [(byte)'a', (byte)'b', 0xE2, 0x82]));
        Assert.Contains("offset 2", error.Message);
    }

    [Fact]
    public void Binary_data_is_named_with_its_first_nul_byte()
    {
        using var dir = new TempDirectory();
        string file = dir.Combine("blob.bin");
        File.WriteAllBytes(file, [(byte)'P', (byte)'K', 3, 4, 0, 0, 0xFF, 0xFE]);
        var error = Assert.Throws<LoomException>(() => TextData.Read(file));
        Assert.Contains("binary file (a NUL byte at offset 4)", error.Message);
    }

    [Fact]
    public void Empty_and_missing_data_are_clear_errors()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("empty.txt"), "");
        File.WriteAllText(dir.Combine("blank.txt"), " \n\n ");
        Assert.Contains("the file is empty", Assert.Throws<LoomException>(() => TextData.Read(dir.Combine("empty.txt"))).Message);
        Assert.Contains("the file is empty", Assert.Throws<LoomException>(() => TextData.Read(dir.Combine("blank.txt"))).Message);
        Assert.Contains("every file in the folder is empty", Assert.Throws<LoomException>(() => TextData.Read(dir.Path)).Message);
        var missing = Assert.Throws<LoomException>(() => TextData.Read(dir.Combine("nope.txt")));
        Assert.Equal(LoomErrorCode.FileNotFound, missing.Code);
        Directory.CreateDirectory(dir.Combine("none"));
        Assert.Contains("holds no text files", Assert.Throws<LoomException>(() => TextData.Read(dir.Combine("none"))).Message);
    }
}
