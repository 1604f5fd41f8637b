using Ocm.Ui;

namespace Ocm.Tests.Ui;

public sealed class HtmlTests
{
    [Fact]
    public void Of_TextHole_IsEncoded()
    {
        var name = "<script>alert('x')</script> & \"quotes\"";

        var html = Html.Of($"<td title=\"{name}\">{name}</td>");

        Assert.Equal("<td title=\"&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quotes&quot;\">&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quotes&quot;</td>", html.Value);
    }

    [Fact]
    public void Of_HtmlHoles_AndListsOfThem_AreInsertedAsMarkup()
    {
        var cell = Html.Of($"<td>{"a<b"}</td>");
        List<Html> cells = [cell, Html.Raw("<td>raw</td>")];

        var row = Html.Of($"<tr>{cells}</tr><tr>{cell}</tr>");

        Assert.Equal("<tr><td>a&lt;b</td><td>raw</td></tr><tr><td>a&lt;b</td></tr>", row.Value);
    }

    [Fact]
    public void Of_NonAsciiText_StaysReadable_NumbersAreInvariant()
    {
        var html = Html.Of($"<p>{"Zürich — 東京"} {1234.5} {new DateTime(2026, 1, 2):yyyy-MM-dd}</p>");

        Assert.Equal("<p>Zürich — 東京 1234.5 2026-01-02</p>", html.Value);
    }

    [Theory]
    [InlineData("/ui/files/", true)]
    [InlineData("/ui/share/a%20b?x=1", true)]
    [InlineData("//evil.example/", false)]
    [InlineData("/\\evil.example", false)]
    [InlineData("https://evil.example/", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("/ui/\nfiles", false)]
    [InlineData("", false)]
    public void IsLocal_OnlyPathsOnThisServer(string url, bool local) => Assert.Equal(local, UiUrls.IsLocal(url));
}
