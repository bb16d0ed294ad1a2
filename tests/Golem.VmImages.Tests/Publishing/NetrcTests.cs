using Golem.VmImages.Publishing;

namespace Golem.VmImages.Tests.Publishing;

public sealed class NetrcTests
{
    [Test]
    public void Find_MachineEntry_WinsOverDefault()
    {
        const string text = """
            default login anyone password fallback
            machine other.example login o password p
            machine dav.example.org
              login alice
              password s3cret # trailing comment
            """;

        var credential = Netrc.Find(text, "DAV.example.org");

        Assert.That(credential?.UserName, Is.EqualTo("alice"));
        Assert.That(credential?.Password, Is.EqualTo("s3cret"));
    }

    [Test]
    public void Find_NoMachineEntry_UsesDefault()
    {
        Assert.That(Netrc.Find("machine a login x password y\ndefault login d password e\n", "b")?.UserName, Is.EqualTo("d"));
    }

    [Test]
    public void Find_MacdefBodyAndMissingHost_AreSkipped()
    {
        const string text = "macdef init\nmachine fake login no password no\n\nmachine real login yes password ok\n";

        Assert.That(Netrc.Find(text, "fake"), Is.Null);
        Assert.That(Netrc.Find(text, "real")?.Password, Is.EqualTo("ok"));
    }
}
