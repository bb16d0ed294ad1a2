using System.Globalization;
using Golem.VmImages.Tests.Registry.Push;

// Usage: FakeRegistryHost [PORT]. Prints the base address, serves until standard input closes. Chunks are checked
// (SHA-256 against the descriptor) and counted but not kept, so a 1 GiB push needs no 1 GiB of memory here.
var port = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 0;
await using var registry = await FakeRegistry.StartAsync(keepChunks: false, port);
registry.PollsBeforeFull = 0;
Console.WriteLine(registry.BaseAddress);
await Console.In.ReadToEndAsync();
Console.Error.WriteLine($"fake registry: {registry.ChunkRequestCount} chunk request(s), {registry.ChunksAccepted.Count} accepted");
