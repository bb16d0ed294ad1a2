using Golem.VmImages.Cli;

namespace Golem.VmImages.Tests.Hashing;

/// <summary>The reference SHA3 (BouncyCastle) serves the tests and benchmarks only: what users get never loads it.</summary>
internal sealed class ShippedDependencyTests
{
    [Test]
    public void LibraryAndTool_DoNotReferenceBouncyCastle()
    {
        var shipped = new[] { typeof(ImageHasher).Assembly, typeof(ExitCodes).Assembly };
        Assert.Multiple(() =>
        {
            foreach (var assembly in shipped)
            {
                Assert.That(
                    assembly.GetReferencedAssemblies().Select(reference => reference.Name),
                    Has.None.StartsWith("BouncyCastle"),
                    assembly.GetName().Name);
            }
        });
    }
}
