namespace Golem.VmImages.Tests.Hashing;

public class ImageHashTests
{
    [Test]
    public void OfEmptyInput_IsSha3OfNothing()
    {
        Assert.That(ImageHash.OfEmptyInput.ToString(), Is.EqualTo("6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7"));
    }
}
