using Golem.VmImages.Publishing;

namespace Golem.VmImages.Tests.Publishing;

public sealed class StagingNamesTests
{
    [Test]
    public void SourceOf_AStagingNameOfTheFile_IsTheSourcePartOfEveryVersionOfIt()
    {
        var path = Path.GetTempFileName();
        try
        {
            var name = PublishKey.StagingName(new FileInfo(path));

            Assert.That(name, Does.StartWith(StagingNames.Prefix));
            Assert.That(StagingNames.SourceOf(name), Is.EqualTo(PublishKey.StagingSource(Path.GetFullPath(path))));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase("app.gvmi")]
    [TestCase("gvmi-upload-")]
    [TestCase("gvmi-upload-0123456789abcdef01234567-0123456789abcdef0123456")]
    [TestCase("gvmi-upload-0123456789ABCDEF01234567-0123456789abcdef01234567")]
    [TestCase("gvmi-upload-0123456789abcdef01234567_0123456789abcdef01234567")]
    public void SourceOf_AnyOtherName_IsNull(string name) =>
        Assert.That(StagingNames.SourceOf(name), Is.Null);

    [Test]
    public void SourceOf_AWellFormedName_EndsAfterTheSourcePart() =>
        Assert.That(StagingNames.SourceOf("gvmi-upload-0123456789abcdef01234567-89abcdef0123456789abcdef"), Is.EqualTo("gvmi-upload-0123456789abcdef01234567-"));
}
