namespace Ocm.Protocol.Signatures;

/// <summary>An HTTP message signature could not be produced or checked; <see cref="Failure"/> says why.</summary>
public sealed class HttpSignatureException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HttpSignatureException()
        : this(SignatureFailure.MalformedHeader, "Invalid HTTP message signature.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public HttpSignatureException(string message)
        : this(SignatureFailure.MalformedHeader, message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public HttpSignatureException(string message, Exception innerException)
        : this(SignatureFailure.MalformedHeader, message, innerException)
    {
    }

    /// <summary>Creates the exception with a reason and a message.</summary>
    public HttpSignatureException(SignatureFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    /// <summary>The machine-readable reason.</summary>
    public SignatureFailure Failure { get; }
}
