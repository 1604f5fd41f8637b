namespace Ocm.Signatures;

/// <summary>A mistake on the <c>ocm sig</c> command line or in its input files: printed as <c>error: …</c>, exit code 2.</summary>
internal sealed class SigUsageException : Exception
{
    public SigUsageException()
    {
    }

    public SigUsageException(string message)
        : base(message)
    {
    }

    public SigUsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
