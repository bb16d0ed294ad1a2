using System.Reflection;
using Golem.VmImages.Building;
using Golem.VmImages.Fetching;
using Golem.VmImages.Gvmi;
using Golem.VmImages.Publishing;
using Golem.VmImages.Publishing.S3;
using Golem.VmImages.Registry;

namespace Golem.VmImages.Tests;

/// <summary>Everything the libraries throw on purpose is one hierarchy: one abstract base, five families, sealed leaves whose data is fixed before they are thrown.</summary>
public sealed class VmImageExceptionTests
{
    private static readonly Type[] Families =
    [
        typeof(ImageDownloadException),
        typeof(GvmiFormatException),
        typeof(ImageRegistryException),
        typeof(ImagePublishException),
        typeof(ImageBuildException),
    ];

    private static IEnumerable<Type> PublicExceptionTypes() =>
        new[] { typeof(VmImageException).Assembly, typeof(S3PublishTarget).Assembly }
            .SelectMany(a => a.GetExportedTypes())
            .Where(t => typeof(Exception).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    private static IEnumerable<TestCaseData> Cases() =>
        PublicExceptionTypes().Where(t => t != typeof(VmImageException)).Select(t => new TestCaseData(t).SetArgDisplayNames(t.Name));

    [Test]
    public void VmImageException_IsAbstract_AndEveryFamilyDerivesFromIt()
    {
        Assert.That(typeof(VmImageException).IsAbstract, Is.True);
        Assert.That(Families, Has.All.Matches<Type>(t => t!.BaseType == typeof(VmImageException)));
    }

    [TestCaseSource(nameof(Cases))]
    public void PublicException_DerivesFromVmImageException(Type type) =>
        Assert.That(type.IsSubclassOf(typeof(VmImageException)), Is.True, $"{type.FullName} derives from {type.BaseType}");

    [TestCaseSource(nameof(Cases))]
    public void PublicException_WithoutPublicSubclass_IsSealed(Type type)
    {
        var hasSubclass = PublicExceptionTypes().Any(t => t.BaseType == type);
        Assert.That(type.IsSealed || hasSubclass, Is.True, $"{type.FullName} is a leaf and must be sealed");
    }

    [TestCaseSource(nameof(Cases))]
    public void PublicException_Data_IsSetBeforeItIsThrown(Type type)
    {
        var settable = type.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly)
            .Where(p => p.SetMethod is { } set && !set.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(System.Runtime.CompilerServices.IsExternalInit)))
            .Select(p => p.Name);
        Assert.That(settable, Is.Empty, $"{type.FullName} has properties that can change after it is constructed");
    }

    [Test]
    public void ImageHashMismatchException_IsADownloadFailure()
    {
        var ex = new ImageHashMismatchException(Sha3Digest.FromBytes(new byte[28]), Sha3Digest.FromBytes(new byte[28]), new Uri("https://example.org/a.gvmi"), 3, attempts: 2);
        Assert.That(ex, Is.InstanceOf<ImageDownloadException>());
        Assert.That((ex.Url, ex.Attempts, ex.Length), Is.EqualTo((new Uri("https://example.org/a.gvmi"), 2, 3L)));
    }
}
