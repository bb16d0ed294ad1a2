using Golem.VmImages.Hashing;

namespace Golem.VmImages.Tests.Hashing;

/// <summary>Edits a file in place the way that fools a size-and-mtime check: same length, old modification time put back.</summary>
internal static class FileRewrite
{
    /// <summary>Flips one byte at <paramref name="offset"/> and restores the modification time; the change time moves on.</summary>
    public static async Task SameLengthAndModificationTimeAsync(string path, long offset)
    {
        var modified = File.GetLastWriteTimeUtc(path);

        // The kernel stamps change times from a coarse clock: wait until it has moved past the file's, so the edit
        // below gets a later change time than the one remembered (a condition, not a fixed delay).
        var recorded = Identity(path).ChangeTimeNanoseconds;
        var probe = path + ".probe";
        do
        {
            await File.WriteAllBytesAsync(probe, [1]);
        }
        while (Identity(probe).ChangeTimeNanoseconds <= recorded);

        File.Delete(probe);
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = offset;
            var old = stream.ReadByte();
            stream.Position = offset;
            stream.WriteByte((byte)(old ^ 0xFF));
        }

        File.SetLastWriteTimeUtc(path, modified);
        Assert.That(File.GetLastWriteTimeUtc(path), Is.EqualTo(modified), "the old modification time is back");
    }

    private static FileIdentity Identity(string path)
    {
        using var handle = File.OpenHandle(path);
        return FileIdentity.Of(path, handle);
    }
}
