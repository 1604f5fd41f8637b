using Ocm.Protocol.Signatures.StructuredFields;

namespace Ocm.Protocol.Tests.Signatures;

public sealed class StructuredFieldTests
{
    [Theory]
    [InlineData("42", "42")]
    [InlineData("-42", "-42")]
    [InlineData("0", "0")]
    [InlineData("00042", "42")]
    [InlineData("999999999999999", "999999999999999")]
    [InlineData("-999999999999999", "-999999999999999")]
    [InlineData("4.5", "4.5")]
    [InlineData("-0.25", "-0.25")]
    [InlineData("1.000", "1.0")]
    [InlineData("123456789012.123", "123456789012.123")]
    [InlineData("\"hello world\"", "\"hello world\"")]
    [InlineData("\"a \\\"quoted\\\" \\\\ word\"", "\"a \\\"quoted\\\" \\\\ word\"")]
    [InlineData("\"\"", "\"\"")]
    [InlineData("foo123/456", "foo123/456")]
    [InlineData("*foo:bar", "*foo:bar")]
    [InlineData("application/json", "application/json")]
    [InlineData(":cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:", ":cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:")]
    [InlineData(":cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg:", ":cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:")]
    [InlineData("::", "::")]
    [InlineData("?1", "?1")]
    [InlineData("?0", "?0")]
    [InlineData("@1659578233", "@1659578233")]
    [InlineData("@-62135596800", "@-62135596800")]
    [InlineData("%\"This is intended for display to %c3%bcsers.\"", "%\"This is intended for display to %c3%bcsers.\"")]
    [InlineData("%\"100%25 %22quoted%22\"", "%\"100%25 %22quoted%22\"")]
    [InlineData("%\"%22quoted%22\"", "%\"%22quoted%22\"")]
    [InlineData("  abc;a=1;b=?0;c  ", "abc;a=1;b=?0;c")]
    [InlineData("1; a;  b=2", "1;a;b=2")]
    [InlineData("1;a=1;a=2", "1;a=2")]
    public void ParseItem_ValidInput_SerializesCanonically(string input, string canonical)
    {
        var item = StructuredField.ParseItem(input);

        Assert.Equal(canonical, item.ToString());
        Assert.Equal(canonical, StructuredField.ParseItem(canonical).ToString());
    }

    [Theory]
    [InlineData("", "end of the input")]
    [InlineData("1000000000000000", "at most 15 digits")]
    [InlineData("1234567890123.1", "12 integer digits")]
    [InlineData("1.1234", "3 fractional digits")]
    [InlineData("1.", "must not end with '.'")]
    [InlineData("-", "digit after '-'")]
    [InlineData("-a", "expected a digit")]
    [InlineData("\"unterminated", "not closed")]
    [InlineData("\"bad \\n escape\"", "invalid escape")]
    [InlineData("\"tab\there\"", "not allowed in a string")]
    [InlineData("\"caf\u00e9\"", "not allowed in a string")]
    [InlineData(":aGVsbG8:", null)]
    [InlineData(":aGVsbG8=:", null)]
    [InlineData(":aGVsbG8==:", "wrong padding")]
    [InlineData(":RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg==:", "wrong padding")]
    [InlineData(":a:", "truncated")]
    [InlineData(":a$b=:", "not in the base64 alphabet")]
    [InlineData(":abc", "not closed")]
    [InlineData("?2", "?1 or ?0")]
    [InlineData("?", "?1 or ?0")]
    [InlineData("@1.5", "must be an integer")]
    [InlineData("@", "integer after '@'")]
    [InlineData("%\"%C3%BC\"", "lowercase hex")]
    [InlineData("%\"%c3\"", "not valid UTF-8")]
    [InlineData("%noquote", "must start with %\"")]
    [InlineData("%\"open", "not closed")]
    [InlineData("1;A=1", "key must start")]
    [InlineData("1;a=", "expected an item")]
    [InlineData("1 2", "after the end")]
    [InlineData("a, b", "after the end")]
    [InlineData("(a b)", "cannot start an item")]
    [InlineData("\u00e9", "cannot start an item")]
    public void ParseItem_InvalidInput_ThrowsPreciseError(string input, string? expectedFragment)
    {
        if (expectedFragment is null)
        {
            // Missing padding is tolerated (RFC 9651 §4.2.7), exact padding too.
            Assert.Equal(":aGVsbG8=:", StructuredField.ParseItem(input).ToString());
            return;
        }

        var ex = Assert.Throws<StructuredFieldException>(() => StructuredField.ParseItem(input));
        Assert.Contains(expectedFragment, ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Position >= 0);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("sugar, tea, rum", "sugar, tea, rum")]
    [InlineData("sugar,tea,\trum", "sugar, tea, rum")]
    [InlineData("(\"foo\" \"bar\"), (\"baz\"), (\"bat\" \"one\"), ()", "(\"foo\" \"bar\"), (\"baz\"), (\"bat\" \"one\"), ()")]
    [InlineData("(\"foo\";a=1;b=2);lvl=5, (\"bar\" \"baz\");lvl=1", "(\"foo\";a=1;b=2);lvl=5, (\"bar\" \"baz\");lvl=1")]
    [InlineData("abc;a=1;b=2; cde_456, (ghi;jk=4 l);q=\"9\";r=w", "abc;a=1;b=2;cde_456, (ghi;jk=4 l);q=\"9\";r=w")]
    [InlineData("(  a   b  )", "(a b)")]
    public void ParseList_ValidInput_SerializesCanonically(string input, string canonical)
    {
        Assert.Equal(canonical, StructuredField.ParseList(input).ToString());
    }

    [Theory]
    [InlineData("a,", "trailing ','")]
    [InlineData("a,,b", "cannot start an item")]
    [InlineData("a b", "expected ','")]
    [InlineData("(a b", "not closed")]
    [InlineData("(a,b)", "expected SP or ')'")]
    [InlineData("(a)b", "expected ','")]
    public void ParseList_InvalidInput_Throws(string input, string expectedFragment)
    {
        var ex = Assert.Throws<StructuredFieldException>(() => StructuredField.ParseList(input));
        Assert.Contains(expectedFragment, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("en=\"Applepie\", da=:w4ZibGV0w6ZydGUK:", "en=\"Applepie\", da=:w4ZibGV0w6ZydGUK:")]
    [InlineData("a=?0, b, c; foo=bar", "a=?0, b, c;foo=bar")]
    [InlineData("rating=1.5, feelings=(joy sadness)", "rating=1.5, feelings=(joy sadness)")]
    [InlineData("a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid", "a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid")]
    [InlineData("a=1, b=2, a=3", "a=3, b=2")]
    [InlineData("a=?1", "a")]
    [InlineData("sig1=(\"@method\" \"@target-uri\");created=1618884473;keyid=\"k\"", "sig1=(\"@method\" \"@target-uri\");created=1618884473;keyid=\"k\"")]
    public void ParseDictionary_ValidInput_SerializesCanonically(string input, string canonical)
    {
        Assert.Equal(canonical, StructuredField.ParseDictionary(input).ToString());
    }

    [Theory]
    [InlineData("A=1", "key must start")]
    [InlineData("a=1,", "trailing ','")]
    [InlineData("a=", "expected an item")]
    [InlineData("a=1 b=2", "expected ','")]
    [InlineData("1=a", "key must start")]
    public void ParseDictionary_InvalidInput_Throws(string input, string expectedFragment)
    {
        var ex = Assert.Throws<StructuredFieldException>(() => StructuredField.ParseDictionary(input));
        Assert.Contains(expectedFragment, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseDictionary_DuplicateKey_KeepsFirstPositionWithLastValue()
    {
        var dictionary = StructuredField.ParseDictionary("a=1, b=2, a=3");

        Assert.Equal(["a", "b"], dictionary.Keys);
        Assert.Equal(3, ((SfItem)dictionary["a"]!).Value.IntegerValue);
    }

    [Fact]
    public void Parse_TypedValues_ExposesEveryBareItemType()
    {
        var list = StructuredField.ParseList("1, 2.5, \"s\", tok, :AQID:, ?1, @1700000000, %\"caf%c3%a9\"");

        var values = list.Cast<SfItem>().Select(i => i.Value).ToList();
        Assert.Equal(1, values[0].IntegerValue);
        Assert.Equal(2.5m, values[1].DecimalValue);
        Assert.Equal("s", values[2].StringValue);
        Assert.Equal("tok", values[3].TokenValue);
        Assert.Equal([1, 2, 3], values[4].ByteSequenceValue.ToArray());
        Assert.True(values[5].BooleanValue);
        Assert.Equal(1700000000, values[6].DateValue);
        Assert.Equal("café", values[7].DisplayStringValue);
        Assert.Throws<InvalidOperationException>(() => values[0].StringValue);
    }

    [Theory]
    [InlineData(1.0005, "1.0")]
    [InlineData(1.0015, "1.002")]
    [InlineData(-3.14159, "-3.142")]
    [InlineData(0, "0.0")]
    [InlineData(12, "12.0")]
    public void FromDecimal_Value_RoundsHalfToEvenAndSerializes(double value, string expected)
    {
        Assert.Equal(expected, SfBareItem.FromDecimal((decimal)value).ToString());
    }

    [Fact]
    public void Serialize_BuiltValues_IsCanonical()
    {
        var parameters = new SfParameters().Set("a", SfBareItem.FromBoolean(true)).Set("b", SfBareItem.FromBoolean(false));
        var dictionary = new SfDictionary()
            .Set("x", new SfItem(SfBareItem.FromString("q\"s"), parameters))
            .Set("y", new SfInnerList([new SfItem(SfBareItem.FromToken("t")), new SfItem(SfBareItem.FromByteSequence([0xff]))]))
            .Set("z", new SfItem(SfBareItem.FromBoolean(true)))
            .Set("d", new SfItem(SfBareItem.FromDisplayString("ü \"%")));

        Assert.Equal("x=\"q\\\"s\";a;b=?0, y=(t :/w==:), z, d=%\"%c3%bc %22%25\"", dictionary.ToString());
    }

    [Theory]
    [InlineData("caf\u00e9")]
    [InlineData("line\nbreak")]
    public void FromString_NonPrintable_Throws(string value)
    {
        Assert.Throws<StructuredFieldException>(() => SfBareItem.FromString(value));
    }

    [Theory]
    [InlineData("1abc")]
    [InlineData("")]
    [InlineData("a b")]
    public void FromToken_Invalid_Throws(string value)
    {
        Assert.Throws<StructuredFieldException>(() => SfBareItem.FromToken(value));
    }

    [Fact]
    public void FromInteger_OutOfRange_Throws()
    {
        Assert.Throws<StructuredFieldException>(() => SfBareItem.FromInteger(1_000_000_000_000_000));
        Assert.Throws<StructuredFieldException>(() => SfBareItem.FromDecimal(1_000_000_000_000m));
    }

    [Fact]
    public void Set_InvalidKey_Throws()
    {
        Assert.Throws<StructuredFieldException>(() => new SfParameters().Set("Upper", SfBareItem.FromBoolean(true)));
        Assert.Throws<StructuredFieldException>(() => new SfDictionary().Set("9a", new SfItem(SfBareItem.FromInteger(1))));
    }
}
