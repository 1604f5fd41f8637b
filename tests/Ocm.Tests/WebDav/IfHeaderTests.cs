using Ocm.WebDav;

namespace Ocm.Tests.WebDav;

/// <summary>The WebDAV If header (RFC 4918 §10.4): parsing and evaluation, including the litmus "locks" cases.</summary>
public sealed class IfHeaderTests
{
    private const string Token = "urn:uuid:0a4c0e59-7c10-4f6b-9f6c-5d2e3a1b9c01";
    private const string ETag = "\"abc123\"";

    private static readonly ResourceState Locked = new(ETag, new HashSet<string> { Token });
    private static readonly ResourceState Unlocked = new(ETag, new HashSet<string>());

    [Fact]
    public void TryParse_UntaggedListWithTokenAndETag_ReadsBoth()
    {
        Assert.True(IfHeader.TryParse($"(<{Token}> [{ETag}])", out var header));
        var list = Assert.Single(header!.Lists);
        Assert.Null(list.ResourceTag);
        Assert.Equal([new IfCondition(false, Token, null), new IfCondition(false, null, ETag)], list.Conditions);
    }

    [Fact]
    public void TryParse_TaggedLists_KeepTheirResource()
    {
        Assert.True(IfHeader.TryParse(
            $"<http://h/dav/files/a/x> (<{Token}>) ([\"e\"]) <http://h/dav/files/a/y> (Not <DAV:no-lock>)", out var header));
        Assert.Equal(3, header!.Lists.Count);
        Assert.Equal("http://h/dav/files/a/x", header.Lists[0].ResourceTag);
        Assert.Equal("http://h/dav/files/a/x", header.Lists[1].ResourceTag);
        Assert.Equal("http://h/dav/files/a/y", header.Lists[2].ResourceTag);
        Assert.True(header.Lists[2].Conditions[0].Not);
        Assert.Equal(["http://h/dav/files/a/x", "http://h/dav/files/a/y"], header.ResourceTags);
    }

    [Fact]
    public void SubmittedTokens_AreThePositiveStateTokens()
    {
        Assert.True(IfHeader.TryParse($"(<{Token}>) (Not <urn:uuid:other>) (<DAV:no-lock>)", out var header));
        Assert.Equal([Token, "DAV:no-lock"], header!.SubmittedTokens);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("<urn:x>")]
    [InlineData("()")]
    [InlineData("(<urn:x>")]
    [InlineData("(<urn:x> [\"e\"")]
    [InlineData("(Not)")]
    [InlineData("(<urn:x>) <http://h/x> (<urn:y>)")]
    [InlineData("<http://h/x> (<urn:y>) (<urn:z>) junk")]
    [InlineData("(urn:x)")]
    [InlineData("(<>)")]
    public void TryParse_Malformed_IsRefused(string value)
    {
        Assert.False(IfHeader.TryParse(value, out _));
    }

    [Fact]
    public void TryParse_NotIsCaseInsensitiveAndWhitespaceTolerant()
    {
        Assert.True(IfHeader.TryParse("  (  not   <DAV:no-lock>\t[\"e\"] )  ", out var header));
        var condition = header!.Lists[0].Conditions[0];
        Assert.True(condition.Not);
        Assert.Equal("DAV:no-lock", condition.StateToken);
    }

    // The conditional PUTs litmus "locks" sends, evaluated against a locked resource.
    [Theory]
    [InlineData("(<" + Token + "> [" + ETag + "])", true)] // cond_put
    [InlineData("(<DAV:no-lock> [" + ETag + "])", false)] // fail_cond_put
    [InlineData("(<" + Token + ">) (Not <DAV:no-lock>)", true)] // cond_put_with_not
    [InlineData("(<" + Token + "x>) (Not <DAV:no-lock>)", true)] // cond_put_corrupt_token: true here, refused by the lock check (423)
    [InlineData("(<" + Token + "> [" + ETag + "]) (Not <DAV:no-lock> [" + ETag + "])", true)] // complex_cond_put
    [InlineData("(<" + Token + "> [\"abc1x3\"]) (Not <DAV:no-lock> [\"abc1x3\"])", false)] // fail_complex_cond_put
    public void Evaluate_LitmusConditions_OnLockedResource(string value, bool expected)
    {
        Assert.True(IfHeader.TryParse(value, out var header));
        Assert.Equal(expected, header!.Evaluate(_ => Locked));
    }

    [Fact]
    public void Evaluate_NoLockOnUnlockedResource_IsFalse()
    {
        // fail_cond_put_unlocked: DAV:no-lock never matches anything.
        Assert.True(IfHeader.TryParse("(<DAV:no-lock>)", out var header));
        Assert.False(header!.Evaluate(_ => Unlocked));
    }

    [Fact]
    public void Evaluate_TaggedListsUseTheirResourcesState()
    {
        Assert.True(IfHeader.TryParse($"<http://h/other> (<{Token}>)", out var header));
        Assert.True(header!.Evaluate(tag => tag == "http://h/other" ? Locked : Unlocked));
        Assert.False(header.Evaluate(tag => tag == "http://h/other" ? Unlocked : Locked));
    }

    [Fact]
    public void Evaluate_ETagOfMissingResource_NeverMatches_ButItsNegationDoes()
    {
        var missing = new ResourceState(null, new HashSet<string>());
        Assert.True(IfHeader.TryParse($"([{ETag}])", out var positive));
        Assert.True(IfHeader.TryParse($"(Not [{ETag}])", out var negative));
        Assert.False(positive!.Evaluate(_ => missing));
        Assert.True(negative!.Evaluate(_ => missing));
    }

    [Fact]
    public void Evaluate_WeakPrefixIsIgnored()
    {
        Assert.True(IfHeader.TryParse($"([W/{ETag}])", out var header));
        Assert.True(header!.Evaluate(_ => Unlocked));
    }
}
