namespace Ocm.Protocol.Signatures.StructuredFields;

/// <summary>A structured field could not be parsed or serialized (RFC 9651 §4).</summary>
public sealed class StructuredFieldException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public StructuredFieldException()
        : this("Invalid structured field.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StructuredFieldException(string message)
        : base(message)
    {
        Position = -1;
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public StructuredFieldException(string message, Exception innerException)
        : base(message, innerException)
    {
        Position = -1;
    }

    /// <summary>Creates a parse error at a character position of the input.</summary>
    public StructuredFieldException(string message, int position)
        : base(position >= 0 ? $"{message} (at character {position})" : message)
    {
        Position = position;
    }

    /// <summary>Zero-based character position in the input where parsing failed, or -1 (serialization errors).</summary>
    public int Position { get; }
}
