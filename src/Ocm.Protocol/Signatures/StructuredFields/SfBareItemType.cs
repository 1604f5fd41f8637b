using System.Diagnostics.CodeAnalysis;

namespace Ocm.Protocol.Signatures.StructuredFields;

/// <summary>The type of a structured-field bare item (RFC 9651 §3.3).</summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The names are the RFC 9651 type names.")]
public enum SfBareItemType
{
    /// <summary>An integer in the range ±999,999,999,999,999 (§3.3.1).</summary>
    Integer,

    /// <summary>A decimal with at most 12 integer and 3 fractional digits (§3.3.2).</summary>
    Decimal,

    /// <summary>A string of printable ASCII characters (§3.3.3).</summary>
    String,

    /// <summary>A token, e.g. <c>application/json</c> or <c>*foo</c> (§3.3.4).</summary>
    Token,

    /// <summary>A byte sequence, serialized as <c>:base64:</c> (§3.3.5).</summary>
    ByteSequence,

    /// <summary>A boolean, serialized as <c>?1</c> or <c>?0</c> (§3.3.6).</summary>
    Boolean,

    /// <summary>A date: integer seconds since the Unix epoch, serialized as <c>@1659578233</c> (RFC 9651 §3.3.7).</summary>
    Date,

    /// <summary>A Unicode display string, serialized as <c>%"caf%c3%a9"</c> (RFC 9651 §3.3.8).</summary>
    DisplayString,
}
