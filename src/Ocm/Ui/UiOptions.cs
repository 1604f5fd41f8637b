namespace Ocm.Ui;

/// <summary>Section <c>Ocm:Ui</c>: the web interface.</summary>
internal sealed record UiOptions
{
    public const string Section = "Ocm:Ui";

    /// <summary>Serve the web interface at <c>/ui/</c>. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// How long a session without "remember me" lasts after the last request (sliding), in minutes; its cookie also
    /// ends with the browser session. Default 480 (8 hours).
    /// </summary>
    public int SessionMinutes { get; init; } = 480;

    /// <summary>How long a "remember me" sign-in lasts, in days (sliding). Default 30.</summary>
    public int RememberMeDays { get; init; } = 30;

    /// <summary>Send cookies with <c>Secure</c> only (default: when the request came over https, so plain-http test setups work).</summary>
    public bool SecureCookiesOnly { get; init; }

    public IEnumerable<string> Validate()
    {
        if (SessionMinutes < 1)
        {
            yield return "Ocm:Ui:SessionMinutes must be at least 1.";
        }

        if (RememberMeDays < 1)
        {
            yield return "Ocm:Ui:RememberMeDays must be at least 1.";
        }
    }
}
