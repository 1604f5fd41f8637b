namespace Ocm.Users;

/// <summary>What a login name may look like: it appears in URLs and in OCM addresses (<c>name@host</c>).</summary>
internal static class UserNames
{
    public const int MaxLength = 64;

    /// <summary>ASCII letters, digits and <c>_ . @ -</c>, starting with a letter, digit or <c>_</c>; at most 64 characters.</summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength)
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = char.IsAsciiLetterOrDigit(c) || c == '_' || (i > 0 && (c == '.' || c == '@' || c == '-'));
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
