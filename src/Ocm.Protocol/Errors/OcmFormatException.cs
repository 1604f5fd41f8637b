namespace Ocm.Protocol.Errors;

/// <summary>
/// Thrown when an OCM payload cannot be read: malformed JSON, too deep, too large, or failing validation.
/// <see cref="Error"/> is the body to send back to the peer.
/// </summary>
public sealed class OcmFormatException : Exception
{
    /// <summary>Creates the exception for an error body.</summary>
    public OcmFormatException(OcmError error)
        : base(Describe(error))
    {
        Error = error;
    }

    /// <summary>Creates the exception for an error body, keeping the underlying cause.</summary>
    public OcmFormatException(OcmError error, Exception? innerException)
        : base(Describe(error), innerException)
    {
        Error = error;
    }

    /// <summary>Creates an exception with a generic <c>INVALID_JSON</c> body.</summary>
    public OcmFormatException()
        : this(new OcmError { Message = Validation.ValidationMessages.InvalidJson })
    {
    }

    /// <summary>Creates an exception whose error body carries <paramref name="message"/>.</summary>
    public OcmFormatException(string message)
        : this(new OcmError { Message = message })
    {
    }

    /// <summary>Creates an exception whose error body carries <paramref name="message"/>, keeping the cause.</summary>
    public OcmFormatException(string message, Exception? innerException)
        : this(new OcmError { Message = message }, innerException)
    {
    }

    /// <summary>The OCM error body describing every problem found.</summary>
    public OcmError Error { get; }

    /// <summary>Invalid (answer 400) or unsupported (answer 501).</summary>
    public OcmErrorKind Kind => Error.Kind;

    private static string Describe(OcmError error)
    {
        if (error.ValidationErrors is not { Count: > 0 } errors)
        {
            return error.Message;
        }

        return error.Message + ": " + string.Join(", ", errors.Select(e => e.Name + " " + e.Message));
    }
}
