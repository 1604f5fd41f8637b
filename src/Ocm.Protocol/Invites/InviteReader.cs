using System.Text.Json;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Invites;

/// <summary>Maps the invite dialects peers send onto <see cref="AcceptedInvite"/>.</summary>
internal static class InviteReader
{
    public static OcmReadResult<AcceptedInvite> ReadAccepted(JsonElement root)
    {
        var errors = new ValidationCollector();
        var o = new JsonObjectReader(root, string.Empty, errors);

        var providerText = o.String("recipientProvider", required: true);
        string? provider = null;
        if (providerText is not null)
        {
            if (OcmAddress.TryNormalizeAuthority(providerText, out var normalized, out _))
            {
                provider = normalized; // a URL with scheme or trailing slash, as some peers send
            }
            else
            {
                errors.Invalid("recipientProvider", ValidationMessages.InvalidValue);
            }
        }

        var token = o.String("token", required: true);

        // Nextcloud's server controller binds `userId`.
        var userId = o.StringOrNumber("userID", required: true, "userId");
        if (userId is not null && provider is not null && OcmAddress.TryParse(userId, out var qualified) && qualified.IsAt(provider))
        {
            userId = qualified.Identifier; // oCIS/OpenCloud send id@host or id@https://host.
        }

        var email = PresentString(o, "email");
        var name = PresentString(o, "name");

        if (provider is null || token is null || userId is null || email is null || name is null)
        {
            return OcmReadResult<AcceptedInvite>.From(null, errors);
        }

        return OcmReadResult<AcceptedInvite>.From(
            new AcceptedInvite { RecipientProvider = provider, Token = token, UserId = userId, Email = email, Name = name },
            errors);
    }

    public static AcceptedInviteResponse ReadResponse(JsonElement root)
    {
        var errors = new ValidationCollector();
        var o = new JsonObjectReader(root, string.Empty, errors);
        var userId = o.StringOrNumber("userID", required: true, "userId"); // the 1.1 spec example used a number
        var email = o.LenientString("email") ?? string.Empty;
        var name = o.LenientString("name") ?? string.Empty;
        if (userId is null)
        {
            throw new Errors.OcmFormatException(errors.ToError());
        }

        return new AcceptedInviteResponse { UserId = userId, Email = email, Name = name };
    }

    /// <summary>REQUIRED means present; an empty e-mail or name is tolerated (Nextcloud users may have none).</summary>
    private static string? PresentString(JsonObjectReader o, string name)
    {
        if (!o.TryGet(name, out var value))
        {
            o.Errors.Invalid(name, ValidationMessages.Required);
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            o.Errors.Invalid(name, ValidationMessages.ExpectedString);
            return null;
        }

        return value.GetString();
    }
}
