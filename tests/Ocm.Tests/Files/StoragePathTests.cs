using Ocm.Files;

namespace Ocm.Tests.Files;

/// <summary>The one path canonicalizer: nothing a client sends may name anything outside the user's tree.</summary>
public sealed class StoragePathTests
{
    [Theory]
    [InlineData("..")]
    [InlineData("a/../../b")]
    [InlineData("%2e%2e")]
    [InlineData("%2E%2e/etc/passwd")]
    [InlineData("a/%2e%2e/%2e%2e/b")]
    [InlineData(".")]
    [InlineData("a/./b")]
    [InlineData("%2e")]
    public void TryParseUrl_DotSegments_AreRefused(string encoded)
    {
        Assert.Equal(PathError.DotSegment, StoragePath.TryParseUrl(encoded, out _));
    }

    [Theory]
    [InlineData("a%2Fb")]
    [InlineData("a%2f..%2fb")]
    [InlineData("a\\b")]
    [InlineData("a%5Cb")]
    [InlineData("..%5C..%5Cwindows")]
    [InlineData("a%00b")]
    [InlineData("a%0Ab")]
    [InlineData("a%7Fb")]
    [InlineData("%C2%85")]
    public void TryParseUrl_SeparatorsAndControlCharacters_AreRefused(string encoded)
    {
        Assert.Equal(PathError.ForbiddenCharacter, StoragePath.TryParseUrl(encoded, out _));
    }

    [Theory]
    [InlineData("%zz")]
    [InlineData("a%2")]
    [InlineData("%")]
    [InlineData("%ff")]
    [InlineData("%c0%ae%c0%ae")]
    [InlineData("%ed%a0%80")]
    public void TryParseUrl_MalformedEscapesAndInvalidUtf8_AreRefused(string encoded)
    {
        Assert.Equal(PathError.Malformed, StoragePath.TryParseUrl(encoded, out _));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("/", "")]
    [InlineData("a", "a")]
    [InlineData("//a///b/", "a/b")]
    [InlineData("a%20b/c+d", "a b/c+d")]
    [InlineData("%C3%BC/%E2%82%AC", "ü/€")]
    [InlineData("ü/x", "ü/x")]
    [InlineData("%F0%9F%98%80", "😀")]
    [InlineData("...", "...")]
    [InlineData("..a", "..a")]
    [InlineData("a%23b%3Fc", "a#b?c")]
    public void TryParseUrl_ValidPaths_AreCanonical(string encoded, string expected)
    {
        Assert.Equal(PathError.None, StoragePath.TryParseUrl(encoded, out var path));
        Assert.Equal(expected, path.Value);
    }

    [Fact]
    public void TryParseUrl_NameLongerThan255Bytes_IsRefused()
    {
        Assert.Equal(PathError.None, StoragePath.TryParseUrl(new string('a', 255), out _));
        Assert.Equal(PathError.TooLong, StoragePath.TryParseUrl(new string('a', 256), out _));
        // 128 two-byte characters are 256 bytes.
        Assert.Equal(PathError.TooLong, StoragePath.TryParseUrl(string.Concat(Enumerable.Repeat("%C3%BC", 128)), out _));
    }

    [Fact]
    public void TryParseUrl_PathLongerThan4096Bytes_IsRefused()
    {
        var segment = new string('a', 200);
        var path = string.Join('/', Enumerable.Repeat(segment, 21));
        Assert.Equal(PathError.TooLong, StoragePath.TryParseUrl(path, out _));
    }

    [Theory]
    [InlineData("a/../b", nameof(PathError.DotSegment))]
    [InlineData("a\\..\\b", nameof(PathError.ForbiddenCharacter))]
    [InlineData("a\0b", nameof(PathError.ForbiddenCharacter))]
    [InlineData("/a//b/", nameof(PathError.None))]
    public void TryParse_DecodedPaths_FollowTheSameRules(string decoded, string expected)
    {
        Assert.Equal(Enum.Parse<PathError>(expected), StoragePath.TryParse(decoded, out _));
    }

    [Fact]
    public void Append_RefusesUnsafeNames()
    {
        _ = StoragePath.TryParse("a", out var folder);
        Assert.Null(folder.Append(".."));
        Assert.Null(folder.Append("b/c"));
        Assert.Null(folder.Append(""));
        Assert.Equal("a/b c", folder.Append("b c")!.Value.Value);
    }

    [Fact]
    public void Relations_AreBySegmentNotByPrefix()
    {
        _ = StoragePath.TryParse("a/b", out var ab);
        _ = StoragePath.TryParse("a/bc", out var abc);
        _ = StoragePath.TryParse("a/b/c", out var abSlashC);
        Assert.False(ab.IsAncestorOf(abc));
        Assert.True(ab.IsAncestorOf(abSlashC));
        Assert.True(StoragePath.Root.IsAncestorOf(ab));
        Assert.False(ab.IsAncestorOf(ab));
        Assert.True(ab.IsSelfOrAncestorOf(ab));
        Assert.Equal(["a", ""], ab.Ancestors().Select(p => p.Value));
    }

    [Fact]
    public void Rebase_MovesDescendantsOnly()
    {
        _ = StoragePath.TryParse("a/b/c.txt", out var file);
        _ = StoragePath.TryParse("a/b", out var from);
        _ = StoragePath.TryParse("x", out var to);
        Assert.Equal("x/c.txt", file.Rebase(from, to).Value);
        Assert.Equal("c.txt", file.Rebase(from, StoragePath.Root).Value);
        Assert.Throws<ArgumentException>(() => to.Rebase(from, to));
    }

    [Fact]
    public void ToUrlPath_EncodesEachSegment()
    {
        _ = StoragePath.TryParse("a b/ü/#?%", out var path);
        Assert.Equal("a%20b/%C3%BC/%23%3F%25", path.ToUrlPath());
        Assert.Equal(PathError.None, StoragePath.TryParseUrl(path.ToUrlPath(), out var back));
        Assert.Equal(path, back);
    }

    [Fact]
    public void Hash_IsStableAndDistinguishesPaths()
    {
        _ = StoragePath.TryParse("a/b", out var one);
        _ = StoragePath.TryParse("a/b", out var same);
        _ = StoragePath.TryParse("a/c", out var other);
        Assert.Equal(one.Hash, same.Hash);
        Assert.NotEqual(one.Hash, other.Hash);
        // Pinned: the value is stored in databases, so it must never change between versions.
        Assert.Equal(StoragePath.HashOf(""), StoragePath.Root.Hash);
        Assert.Equal(1449310910991872227L, StoragePath.HashOf(""));
    }
}
