using System.Globalization;

namespace Ocm.Protocol.Signatures.StructuredFields;

/// <summary>
/// An immutable structured-field bare item (RFC 9651 §3.3): integer, decimal, string, token, byte sequence,
/// boolean, date or display string. Factories validate their input so that every instance can be serialized.
/// </summary>
public sealed class SfBareItem : IEquatable<SfBareItem>
{
    /// <summary>Largest magnitude of an integer or date (15 digits, RFC 9651 §3.3.1).</summary>
    public const long MaxInteger = 999_999_999_999_999;

    /// <summary>Largest magnitude of a decimal's integer part (12 digits, RFC 9651 §3.3.2).</summary>
    public const decimal MaxDecimal = 999_999_999_999.999m;

    private static readonly SfBareItem TrueItem = new(SfBareItemType.Boolean, 1, 0, null, null);
    private static readonly SfBareItem FalseItem = new(SfBareItemType.Boolean, 0, 0, null, null);

    private readonly long _integer;
    private readonly decimal _decimal;
    private readonly string? _text;
    private readonly byte[]? _bytes;

    private SfBareItem(SfBareItemType type, long integer, decimal dec, string? text, byte[]? bytes)
    {
        Type = type;
        _integer = integer;
        _decimal = dec;
        _text = text;
        _bytes = bytes;
    }

    /// <summary>The item's type.</summary>
    public SfBareItemType Type { get; }

    /// <summary>The value of an <see cref="SfBareItemType.Integer"/> item.</summary>
    public long IntegerValue => Type == SfBareItemType.Integer ? _integer : throw WrongType(SfBareItemType.Integer);

    /// <summary>The value of a <see cref="SfBareItemType.Decimal"/> item.</summary>
    public decimal DecimalValue => Type == SfBareItemType.Decimal ? _decimal : throw WrongType(SfBareItemType.Decimal);

    /// <summary>The value of a <see cref="SfBareItemType.String"/> item.</summary>
    public string StringValue => Type == SfBareItemType.String ? _text! : throw WrongType(SfBareItemType.String);

    /// <summary>The value of a <see cref="SfBareItemType.Token"/> item.</summary>
    public string TokenValue => Type == SfBareItemType.Token ? _text! : throw WrongType(SfBareItemType.Token);

    /// <summary>The value of a <see cref="SfBareItemType.DisplayString"/> item.</summary>
    public string DisplayStringValue =>
        Type == SfBareItemType.DisplayString ? _text! : throw WrongType(SfBareItemType.DisplayString);

    /// <summary>The value of a <see cref="SfBareItemType.ByteSequence"/> item.</summary>
    public ReadOnlyMemory<byte> ByteSequenceValue =>
        Type == SfBareItemType.ByteSequence ? _bytes : throw WrongType(SfBareItemType.ByteSequence);

    /// <summary>The value of a <see cref="SfBareItemType.Boolean"/> item.</summary>
    public bool BooleanValue => Type == SfBareItemType.Boolean ? _integer != 0 : throw WrongType(SfBareItemType.Boolean);

    /// <summary>The value of a <see cref="SfBareItemType.Date"/> item, in seconds since the Unix epoch.</summary>
    public long DateValue => Type == SfBareItemType.Date ? _integer : throw WrongType(SfBareItemType.Date);

    /// <summary>True for the boolean item <c>?1</c> (the implicit value of a bare key).</summary>
    public bool IsTrue => Type == SfBareItemType.Boolean && _integer != 0;

    /// <summary>Creates an integer item; throws when |value| &gt; 999,999,999,999,999.</summary>
    public static SfBareItem FromInteger(long value) =>
        value is >= -MaxInteger and <= MaxInteger
            ? new SfBareItem(SfBareItemType.Integer, value, 0, null, null)
            : throw new StructuredFieldException($"Integer {value} is out of the structured-field range.");

    /// <summary>
    /// Creates a decimal item, rounded to three fractional digits (half to even, RFC 9651 §4.1.5);
    /// throws when the integer part has more than 12 digits.
    /// </summary>
    public static SfBareItem FromDecimal(decimal value)
    {
        var rounded = Math.Round(value, 3, MidpointRounding.ToEven);
        return rounded is >= -MaxDecimal and <= MaxDecimal
            ? new SfBareItem(SfBareItemType.Decimal, 0, rounded, null, null)
            : throw new StructuredFieldException($"Decimal {value.ToString(CultureInfo.InvariantCulture)} is out of the structured-field range.");
    }

    /// <summary>Creates a string item; throws unless every character is printable ASCII (0x20–0x7E).</summary>
    public static SfBareItem FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                throw new StructuredFieldException("A structured-field string may contain only printable ASCII characters.");
            }
        }

        return new SfBareItem(SfBareItemType.String, 0, 0, value, null);
    }

    /// <summary>Creates a token item; throws unless the value matches <c>( ALPHA / "*" ) *( tchar / ":" / "/" )</c>.</summary>
    public static SfBareItem FromToken(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0 || !(SfChars.IsAlpha(value[0]) || value[0] == '*'))
        {
            throw new StructuredFieldException($"'{value}' is not a valid structured-field token.");
        }

        foreach (var c in value)
        {
            if (!SfChars.IsTokenChar(c))
            {
                throw new StructuredFieldException($"'{value}' is not a valid structured-field token.");
            }
        }

        return new SfBareItem(SfBareItemType.Token, 0, 0, value, null);
    }

    /// <summary>Creates a byte-sequence item (the bytes are copied).</summary>
    public static SfBareItem FromByteSequence(ReadOnlySpan<byte> value) =>
        new(SfBareItemType.ByteSequence, 0, 0, null, value.ToArray());

    /// <summary>Creates a boolean item.</summary>
    public static SfBareItem FromBoolean(bool value) => value ? TrueItem : FalseItem;

    /// <summary>Creates a date item from seconds since the Unix epoch.</summary>
    public static SfBareItem FromDate(long unixSeconds) =>
        unixSeconds is >= -MaxInteger and <= MaxInteger
            ? new SfBareItem(SfBareItemType.Date, unixSeconds, 0, null, null)
            : throw new StructuredFieldException($"Date {unixSeconds} is out of the structured-field range.");

    /// <summary>Creates a date item.</summary>
    public static SfBareItem FromDate(DateTimeOffset value) => FromDate(value.ToUnixTimeSeconds());

    /// <summary>Creates a display-string item (any Unicode text; lone surrogates are rejected).</summary>
    public static SfBareItem FromDisplayString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                throw new StructuredFieldException("A display string must be valid Unicode (lone surrogate).");
            }
        }

        return new SfBareItem(SfBareItemType.DisplayString, 0, 0, value, null);
    }

    internal static SfBareItem ByteSequenceNoCopy(byte[] value) => new(SfBareItemType.ByteSequence, 0, 0, null, value);

    internal static SfBareItem StringNoCheck(string value) => new(SfBareItemType.String, 0, 0, value, null);

    internal static SfBareItem TokenNoCheck(string value) => new(SfBareItemType.Token, 0, 0, value, null);

    internal static SfBareItem DisplayStringNoCheck(string value) => new(SfBareItemType.DisplayString, 0, 0, value, null);

    internal static SfBareItem IntegerNoCheck(long value) => new(SfBareItemType.Integer, value, 0, null, null);

    internal static SfBareItem DateNoCheck(long value) => new(SfBareItemType.Date, value, 0, null, null);

    internal static SfBareItem DecimalNoCheck(decimal value) => new(SfBareItemType.Decimal, 0, value, null, null);

    /// <summary>Reads an integer item; false for any other type.</summary>
    public bool TryGetInteger(out long value)
    {
        value = _integer;
        return Type == SfBareItemType.Integer;
    }

    /// <summary>Reads a string item; false for any other type.</summary>
    public bool TryGetString(out string value)
    {
        value = Type == SfBareItemType.String ? _text! : string.Empty;
        return Type == SfBareItemType.String;
    }

    /// <summary>The canonical serialization of the bare item (RFC 9651 §4.1.3).</summary>
    public override string ToString() => StructuredField.Serialize(this);

    /// <inheritdoc />
    public bool Equals(SfBareItem? other)
    {
        if (other is null || other.Type != Type)
        {
            return false;
        }

        return Type switch
        {
            SfBareItemType.Decimal => _decimal == other._decimal,
            SfBareItemType.String or SfBareItemType.Token or SfBareItemType.DisplayString =>
                string.Equals(_text, other._text, StringComparison.Ordinal),
            SfBareItemType.ByteSequence => _bytes.AsSpan().SequenceEqual(other._bytes),
            _ => _integer == other._integer,
        };
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as SfBareItem);

    /// <inheritdoc />
    public override int GetHashCode() => Type switch
    {
        SfBareItemType.Decimal => HashCode.Combine(Type, _decimal),
        SfBareItemType.String or SfBareItemType.Token or SfBareItemType.DisplayString =>
            HashCode.Combine(Type, StringComparer.Ordinal.GetHashCode(_text!)),
        SfBareItemType.ByteSequence => HashCode.Combine(Type, _bytes!.Length),
        _ => HashCode.Combine(Type, _integer),
    };

    internal string? RawText => _text;

    internal long RawInteger => _integer;

    internal decimal RawDecimal => _decimal;

    internal byte[]? RawBytes => _bytes;

    private InvalidOperationException WrongType(SfBareItemType wanted) =>
        new($"The structured-field item is a {Type}, not a {wanted}.");
}
