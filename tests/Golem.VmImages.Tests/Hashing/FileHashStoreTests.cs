namespace Golem.VmImages.Tests.Hashing;

/// <summary>
/// <see cref="FileHashStore"/>: a hash is remembered for a file exactly while its identity (path, length, mtime, and on
/// Linux device, inode and change time) is unchanged, and a damaged record is never trusted.
/// </summary>
public sealed class FileHashStoreTests
{
    private string _directory = null!;
    private string _file = null!;
    private FileHashStore _store = null!;

    [SetUp]
    public async Task SetUp()
    {
        _directory = Directory.CreateTempSubdirectory("gvmi-hash-store-").FullName;
        _file = Path.Combine(_directory, "image.gvmi");
        var bytes = new byte[200_000];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(_file, bytes);
        _store = new FileHashStore(Path.Combine(_directory, "store"));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task GetOrHashAsync_UnchangedFile_HashesOnceThenRemembers()
    {
        var first = await _store.GetOrHashAsync(_file);
        var found = _store.TryGet(_file, out var remembered);

        Assert.That(first, Is.EqualTo(await ImageHasher.HashFileAsync(_file)));
        Assert.That((found, remembered), Is.EqualTo((true, first)));
        Assert.That(new FileHashStore(_store.Directory).TryGet(_file, out var fromAnother) && fromAnother == first, Is.True, "another instance (another process) reads the same record");
    }

    [Test]
    public void TryGet_NothingRecorded_IsFalse()
    {
        Assert.That(_store.TryGet(_file, out var hash), Is.False);
        Assert.That(hash.IsDefault, Is.True);
    }

    [Test]
    public void Record_ThenTryGet_ReturnsTheRecordedHash_AndNotForAnotherPath()
    {
        var other = Path.Combine(_directory, "copy.gvmi");
        File.Copy(_file, other);
        var hash = ImageHash.OfEmptyInput;

        _store.Record(_file, hash);

        Assert.That(_store.TryGet(_file, out var remembered) && remembered == hash, Is.True);
        Assert.That(_store.TryGet(other, out _), Is.False);
    }

    [Test]
    public async Task TryGet_TouchedFile_IsFalse()
    {
        await _store.GetOrHashAsync(_file);
        File.SetLastWriteTimeUtc(_file, File.GetLastWriteTimeUtc(_file).AddMinutes(-5));

        Assert.That(_store.TryGet(_file, out _), Is.False);
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task GetOrHashAsync_RewrittenWithTheSameLengthAndModificationTime_HashesAgain()
    {
        var before = await _store.GetOrHashAsync(_file);
        await FileRewrite.SameLengthAndModificationTimeAsync(_file, 1000);

        var found = _store.TryGet(_file, out _);
        var after = await _store.GetOrHashAsync(_file);

        Assert.That(found, Is.False);
        Assert.That(after, Is.Not.EqualTo(before));
        Assert.That(after, Is.EqualTo(await ImageHasher.HashFileAsync(_file)));
    }

    [TestCase(0, TestName = "TryGet_RecordWithAFlippedByteAtTheStart_IsIgnored")]
    [TestCase(-5, TestName = "TryGet_RecordWithAFlippedByteInTheChecksum_IsIgnored")]
    [TestCase(-40, TestName = "TryGet_RecordWithAFlippedByteInTheHash_IsIgnored")]
    public async Task TryGet_DamagedRecord_IsIgnored(int position)
    {
        await _store.GetOrHashAsync(_file);
        var record = RecordPath();
        var bytes = await File.ReadAllBytesAsync(record);
        bytes[position >= 0 ? position : bytes.Length + position] ^= 0x01;
        await File.WriteAllBytesAsync(record, bytes);

        Assert.That(_store.TryGet(_file, out _), Is.False);
        Assert.That(await _store.GetOrHashAsync(_file), Is.EqualTo(await ImageHasher.HashFileAsync(_file)), "hashed again and the record replaced");
        Assert.That(_store.TryGet(_file, out _), Is.True);
    }

    [Test]
    public async Task TryGet_TornRecord_IsIgnored()
    {
        await _store.GetOrHashAsync(_file);
        var record = RecordPath();
        var bytes = await File.ReadAllBytesAsync(record);
        await File.WriteAllBytesAsync(record, bytes[..^10]);

        Assert.That(_store.TryGet(_file, out _), Is.False);
    }

    [Test]
    public void Record_StoreDirectoryNotWritable_CostsOnlyTheRecord()
    {
        var blocked = Path.Combine(_directory, "blocked");
        File.WriteAllText(blocked, "a file where the store directory should be");
        var store = new FileHashStore(blocked);

        store.Record(_file, ImageHash.OfEmptyInput);

        Assert.That(store.TryGet(_file, out _), Is.False);
    }

    [Test]
    public async Task Record_ConcurrentWritersAndReaders_ReadersAlwaysSeeOneWholeRecord()
    {
        var hashes = new[] { ImageHash.OfEmptyInput, await ImageHasher.HashFileAsync(_file) };
        var stores = Enumerable.Range(0, 4).Select(_ => new FileHashStore(_store.Directory)).ToArray();
        var seen = new System.Collections.Concurrent.ConcurrentBag<ImageHash>();
        var misses = 0;
        _store.Record(_file, hashes[0]);

        var writers = stores.Select((store, i) => Task.Run(() =>
        {
            for (var round = 0; round < 200; round++)
            {
                store.Record(_file, hashes[(i + round) % 2]);
            }
        }));
        var readers = stores.Select(store => Task.Run(() =>
        {
            for (var round = 0; round < 200; round++)
            {
                if (store.TryGet(_file, out var hash))
                {
                    seen.Add(hash);
                }
                else
                {
                    Interlocked.Increment(ref misses);
                }
            }
        }));
        await Task.WhenAll(writers.Concat(readers));

        Assert.That(misses, Is.Zero, "a record replaced by rename is never seen torn or missing");
        Assert.That(seen, Is.All.AnyOf(hashes[0], hashes[1]));
        Assert.That(_store.TryGet(_file, out var last) && hashes.Contains(last), Is.True);
        Assert.That(Directory.GetFiles(_store.Directory), Has.Length.EqualTo(1), "no temporary file is left behind");
    }

    private string RecordPath() => Directory.GetFiles(_store.Directory).Single();
}
