using Microsoft.AspNetCore.Http;
using Ocm.Files;
using Ocm.WebDav;

namespace Ocm.Tests.WebDav;

/// <summary>
/// The write-precondition engine's header rules: entity tags and their strong and weak comparison (RFC 9110 §8.8.3),
/// <c>If-Match</c>, <c>If-None-Match</c>, <c>If-Unmodified-Since</c> in the order of RFC 9110 §13.2.2, and what a
/// malformed header gets. The lock rules are shown over HTTP (WebDAV, chunked uploads, the web interface).
/// </summary>
public sealed class WritePreconditionsTests
{
    private static readonly DateTimeOffset Modified = new(2026, 3, 1, 12, 0, 0, 400, TimeSpan.Zero);

    private static readonly FileNode Node = new() { Name = "a.txt", Path = "a.txt", ETag = "5d41402abc", Modified = Modified };

    [Theory]
    [InlineData("\"abc\"", "abc", false)]
    [InlineData("W/\"abc\"", "abc", true)]
    [InlineData("  \"abc\"\t", "abc", false)]
    [InlineData("\"\"", "", false)]
    [InlineData("\"a,b\"", "a,b", false)]
    public void EntityTagTryParse_QuotedTag_ReadsOpaqueAndWeakness(string value, string opaque, bool weak)
    {
        Assert.True(EntityTag.TryParse(value, out var tag));
        Assert.Equal(new EntityTag(opaque, weak), tag);
    }

    [Theory]
    [InlineData("abc")] // unquoted: not an entity tag
    [InlineData("w/\"abc\"")] // the weak mark is case-sensitive
    [InlineData("\"abc")]
    [InlineData("\"a b\"")]
    [InlineData("\"abc\"x")]
    [InlineData("W/abc")]
    [InlineData("")]
    public void EntityTagTryParse_NotAnEntityTag_IsRefused(string value)
    {
        Assert.False(EntityTag.TryParse(value, out _));
    }

    // The table of RFC 9110 §8.8.3.2.
    [Theory]
    [InlineData("W/\"1\"", "W/\"1\"", false, true)]
    [InlineData("W/\"1\"", "W/\"2\"", false, false)]
    [InlineData("W/\"1\"", "\"1\"", false, true)]
    [InlineData("\"1\"", "\"1\"", true, true)]
    [InlineData("\"1\"", "\"2\"", false, false)]
    public void EntityTagComparison_FollowsTheRfcTable(string first, string second, bool strong, bool weak)
    {
        Assert.True(EntityTag.TryParse(first, out var a));
        Assert.True(EntityTag.TryParse(second, out var b));
        Assert.Equal(strong, a.StrongEquals(b));
        Assert.Equal(strong, b.StrongEquals(a));
        Assert.Equal(weak, a.WeakEquals(b));
        Assert.Equal(weak, b.WeakEquals(a));
    }

    [Fact]
    public void EntityTagConditionTryParse_ListWithEmptyElements_ReadsEveryTag()
    {
        Assert.True(EntityTagCondition.TryParse(" , \"a\", W/\"b\" ,, \"c,d\" ", out var condition));
        Assert.False(condition!.Any);
        Assert.Equal([new EntityTag("a", false), new EntityTag("b", true), new EntityTag("c,d", false)], condition.Tags);
        Assert.True(EntityTagCondition.TryParse("*", out var any));
        Assert.True(any!.Any);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("\"a\" \"b\"")]
    [InlineData("\"a\", b")]
    [InlineData("*, \"a\"")]
    [InlineData(",")]
    public void EntityTagConditionTryParse_Malformed_IsRefused(string value)
    {
        Assert.False(EntityTagCondition.TryParse(value, out _));
    }

    [Theory]
    [InlineData("\"5d41402abc\"", 200)]
    [InlineData("\"other\", \"5d41402abc\"", 200)]
    [InlineData("*", 200)]
    [InlineData("\"other\"", 412)]
    [InlineData("W/\"5d41402abc\"", 412)] // strong comparison: a weak tag never matches
    [InlineData("5d41402abc", 400)] // unquoted
    public void IfMatch_OnExistingFile_ComparesStrongly(string ifMatch, int expected)
    {
        Assert.Equal(expected, Check(Node, ("If-Match", ifMatch)).HttpStatus);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("\"5d41402abc\"")]
    public void IfMatch_NothingThere_Fails(string ifMatch)
    {
        Assert.Equal(PreconditionStatus.Failed, Check(null, ("If-Match", ifMatch)).Status);
    }

    [Theory]
    [InlineData("\"5d41402abc\"", 412)]
    [InlineData("W/\"5d41402abc\"", 412)] // weak comparison: the weak tag matches
    [InlineData("*", 412)]
    [InlineData("\"other\", W/\"another\"", 200)]
    [InlineData("5d41402abc", 400)] // unquoted
    public void IfNoneMatch_OnExistingFile_ComparesWeakly(string ifNoneMatch, int expected)
    {
        Assert.Equal(expected, Check(Node, ("If-None-Match", ifNoneMatch)).HttpStatus);
    }

    [Fact]
    public void IfNoneMatchAny_NothingThere_Holds()
    {
        Assert.True(Check(null, ("If-None-Match", "*")).Holds);
    }

    [Theory]
    [InlineData("Sun, 01 Mar 2026 11:59:59 GMT", 412)] // modified after that
    [InlineData("Sun, 01 Mar 2026 12:00:00 GMT", 200)] // the same second as Last-Modified said
    [InlineData("Mon, 02 Mar 2026 00:00:00 GMT", 200)]
    [InlineData("yesterday", 200)] // not an HTTP-date: ignored (RFC 9110 §13.1.4)
    public void IfUnmodifiedSince_ComparesWithTheFilesTime(string since, int expected)
    {
        Assert.Equal(expected, Check(Node, ("If-Unmodified-Since", since)).HttpStatus);
    }

    [Fact]
    public void IfUnmodifiedSince_WithIfMatchOrWithoutFile_IsIgnored()
    {
        const string Old = "Sun, 01 Mar 2026 00:00:00 GMT";
        Assert.True(Check(Node, ("If-Unmodified-Since", Old), ("If-Match", "\"5d41402abc\"")).Holds);
        Assert.True(Check(null, ("If-Unmodified-Since", Old)).Holds);
    }

    [Fact]
    public void IfModifiedSince_OnAWrite_IsIgnored()
    {
        // RFC 9110 §13.1.3: it applies to GET and HEAD only.
        Assert.True(Check(Node, ("If-Modified-Since", "Mon, 02 Mar 2026 00:00:00 GMT")).Holds);
    }

    [Theory]
    [InlineData("If-Match", "abc", "If-Match")]
    [InlineData("If-None-Match", "\"a\" junk", "If-None-Match")]
    [InlineData("If", "(<urn:x>", "If header")]
    public void MalformedHeader_IsRefusedNamingIt(string name, string value, string named)
    {
        var result = Check(Node, (name, value));
        Assert.Equal(PreconditionStatus.Malformed, result.Status);
        Assert.Equal(400, result.HttpStatus);
        Assert.Contains(named, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpectedETag_PinnedOnlyWhenAConditionIsAboutTheVersion()
    {
        Assert.Null(Conditions().ExpectedETag(Node));
        Assert.Null(Conditions(("If-None-Match", "*")).ExpectedETag(Node));
        Assert.True(Conditions(("If-None-Match", "*")).MustNotExist);
        Assert.Equal(Node.ETag, Conditions(("If-Match", "\"5d41402abc\"")).ExpectedETag(Node));
        Assert.Equal(Node.ETag, Conditions(("If-Unmodified-Since", "Mon, 02 Mar 2026 00:00:00 GMT")).ExpectedETag(Node));
        Assert.Equal(Node.ETag, Conditions(("If", "([\"5d41402abc\"])")).ExpectedETag(Node));
        Assert.Null(Conditions(("If", "(<urn:uuid:1>)")).ExpectedETag(Node));
        Assert.Null(WriteConditions.None.ExpectedETag(Node));
    }

    [Fact]
    public void SubmittedTokens_AreTheIfHeadersPositiveStateTokens()
    {
        Assert.Equal(["urn:uuid:1"], Conditions(("If", "(<urn:uuid:1>) (Not <urn:uuid:2>)")).SubmittedTokens);
        Assert.Empty(WriteConditions.None.SubmittedTokens);
    }

    private static PreconditionResult Check(FileNode? target, params (string Name, string Value)[] headers) =>
        WritePreconditions.CheckConditionalHeaders(Conditions(headers), target);

    private static WriteConditions Conditions(params (string Name, string Value)[] headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            dictionary[name] = value;
        }

        return WriteConditions.Read(dictionary);
    }
}
