using System.Text;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Json;
using Ocm.Protocol.Shares;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Tests.Shares;

// Receiver validation, OCM §Share Creation Notification › Fields and › Response: every offending field at once;
// 400 for what is invalid, 501 for what is unsupported.
public sealed class ShareValidationTests
{
    private static OcmReadResult<NewShare> Validate(string json, ShareValidationOptions? options = null) =>
        OcmJson.ValidateShare(Encoding.UTF8.GetBytes(json), options);

    private static Dictionary<string, string> ErrorsOf<T>(OcmReadResult<T>? result)
        where T : class =>
        result!.Error!.ValidationErrors!.ToDictionary(e => e.Name, e => e.Message);

    [Fact]
    public void ValidateShare_ValidShare_IsValid()
    {
        var result = Validate(PeerShareSamples.Ocm14);

        Assert.True(result.IsValid);
        Assert.Null(result.Error);
        Assert.Equal(0, result.SuggestedStatusCode);
    }

    [Fact]
    public void ValidateShare_ManyProblems_NamesEveryOffendingFieldAtOnce()
    {
        var result = Validate("""
            {
              "shareWith": "bob",
              "name": 7,
              "providerId": true,
              "owner": "alice@files.example.net/path",
              "sender": ["alice@files.example.net"],
              "shareType": "robot",
              "expiration": "soon",
              "protocol": { "name": "multi",
                "webdav": { "sharedSecret": 5, "permissions": "read", "requirements": [], "accessTypes": ["teleport"] },
                "webapp": { "uri": "/relative", "targets": [], "permissions": ["fly"], "requirements": ["must-use-mfa"] } }
            }
            """);

        Assert.Equal(OcmReadOutcome.Invalid, result.Outcome);
        Assert.Equal(400, result.SuggestedStatusCode);
        Assert.Null(result.Value);
        Assert.Equal(ValidationMessages.InvalidParameters, result.Error!.Message);
        var errors = ErrorsOf(result);
        Assert.Equal(ValidationMessages.InvalidOcmAddress, errors["shareWith"]);
        Assert.Equal(ValidationMessages.ExpectedString, errors["name"]);
        Assert.Equal(ValidationMessages.ExpectedString, errors["providerId"]);
        Assert.Equal(ValidationMessages.InvalidOcmAddress, errors["owner"]);
        Assert.Equal(ValidationMessages.ExpectedString, errors["sender"]);
        Assert.Equal(ValidationMessages.UnsupportedShareType, errors["shareType"]);
        Assert.Equal(ValidationMessages.Required, errors["resourceType"]);
        Assert.Equal(ValidationMessages.ExpectedInteger, errors["expiration"]);
        Assert.Equal(ValidationMessages.Required, errors["protocol.webdav.uri"]);
        Assert.Equal(ValidationMessages.ExpectedString, errors["protocol.webdav.sharedSecret"]);
        Assert.Equal(ValidationMessages.Empty, errors["protocol.webdav.requirements"]);
        Assert.Equal(ValidationMessages.InvalidValue, errors["protocol.webdav.accessTypes"]);
        Assert.Equal(ValidationMessages.NotAbsoluteUri, errors["protocol.webapp.uri"]);
        Assert.Equal(ValidationMessages.Empty, errors["protocol.webapp.targets"]);
        Assert.Equal(ValidationMessages.InvalidValue, errors["protocol.webapp.permissions"]);
        Assert.Equal(ValidationMessages.WebAppRequiresTokenExchange, errors["protocol.webapp.requirements"]);
        Assert.Equal(ValidationMessages.Required, errors["protocol.webapp.sharedSecret"]);

        // One entry per field: a missing field is not reported again as invalid.
        Assert.Equal(errors.Count, result.Error.ValidationErrors!.Count);
    }

    [Fact]
    public void ValidateShare_EmptyObject_ReportsEveryRequiredField()
    {
        var errors = ErrorsOf(Validate("{}"));

        foreach (var name in new[] { "shareWith", "name", "providerId", "owner", "sender", "shareType", "resourceType", "protocol" })
        {
            Assert.Equal(ValidationMessages.Required, errors[name]);
        }
    }

    [Theory]
    [InlineData("\"protocol\": 3", "protocol", ValidationMessages.ExpectedObject)]
    [InlineData("\"protocol\": { \"webdav\": \"https://x.example/\" }", "protocol.webdav", ValidationMessages.ExpectedObject)]
    [InlineData("\"protocol\": { \"name\": \"multi\" }", "protocol", ValidationMessages.NoAccessMethod)]
    [InlineData("\"protocol\": { \"name\": \"webdav\", \"options\": {} }", "protocol.options.sharedSecret", ValidationMessages.Required)]
    [InlineData("\"protocol\": { \"name\": \"webdav\", \"options\": { \"sharedSecret\": \"\" } }", "protocol.options.sharedSecret", ValidationMessages.Required)]
    [InlineData("\"protocol\": { \"webdav\": { \"uri\": \"42\", \"sharedSecret\": \"s\", \"permissions\": [] } }", "protocol.webdav.permissions", ValidationMessages.Empty)]
    [InlineData("\"protocol\": { \"webdav\": { \"uri\": \"42\", \"sharedSecret\": \"s\", \"permissions\": [1] } }", "protocol.webdav.permissions", ValidationMessages.ExpectedStringArray)]
    [InlineData("\"protocol\": { \"webdav\": { \"uri\": \"42\", \"sharedSecret\": \"s\", \"size\": -1 } }", "protocol.webdav.size", ValidationMessages.Negative)]
    [InlineData("\"protocol\": { \"ssh\": { \"accessTypes\": [\"remote\"] } }", "protocol.ssh.uri", ValidationMessages.Required)]
    public void ValidateShare_BadProtocol_IsInvalidAndNamesTheField(string protocol, string field, string message)
    {
        var json = PeerShareSamples.Ocm14[..PeerShareSamples.Ocm14.IndexOf("\"protocol\"", StringComparison.Ordinal)] + protocol + "}";

        var result = Validate(json);

        Assert.Equal(OcmReadOutcome.Invalid, result.Outcome);
        Assert.Equal(message, ErrorsOf(result)[field]);
    }

    [Theory]
    [InlineData("\"shareType\": \"user\"", "\"shareType\": \"federation\"", "shareType", ValidationMessages.UnsupportedShareType)] // needs OCM-MLS
    [InlineData("\"resourceType\": \"file\"", "\"resourceType\": \"calendar\"", "resourceType", ValidationMessages.UnsupportedResourceType)]
    [InlineData("\"must-exchange-token\"", "\"none\"", "protocol.webdav.requirements", ValidationMessages.UnsupportedRequirement)] // not understood → not accepted
    [InlineData("\"webdav\":", "\"carrier-pigeon\":", "protocol", ValidationMessages.UnsupportedProtocol)]
    public void ValidateShare_UnsupportedValue_Is501WithValue(string from, string to, string field, string message)
    {
        var result = Validate(PeerShareSamples.Ocm14.Replace(from, to, StringComparison.Ordinal));

        Assert.Equal(OcmReadOutcome.Unsupported, result.Outcome);
        Assert.Equal(501, result.SuggestedStatusCode);
        Assert.Equal(ValidationMessages.NotImplemented, result.Error!.Message);
        Assert.Equal(OcmErrorKind.Unsupported, result.Error.Kind);
        Assert.NotNull(result.Value);
        Assert.Equal(message, ErrorsOf(result)[field]);
    }

    [Fact]
    public void ValidateShare_UnsupportedAndInvalid_IsInvalid()
    {
        var json = PeerShareSamples.Ocm14
            .Replace("\"resourceType\": \"file\"", "\"resourceType\": \"calendar\"", StringComparison.Ordinal)
            .Replace("\"name\": \"report.pdf\",", string.Empty, StringComparison.Ordinal);

        var result = Validate(json);

        Assert.Equal(OcmReadOutcome.Invalid, result.Outcome);
        Assert.Equal(OcmErrorKind.Invalid, result.Error!.Kind);
        Assert.Contains(result.Error.ValidationErrors!, e => e.Name == "resourceType" && e.Kind == OcmErrorKind.Unsupported);
        Assert.Contains(result.Error.ValidationErrors!, e => e.Name == "name" && e.Kind == OcmErrorKind.Invalid);
    }

    [Fact]
    public void ValidateShare_MfaRequiredButNotEnforced_IsUnsupported()
    {
        var options = new ShareValidationOptions { SupportedRequirements = new HashSet<string> { ShareRequirements.MustExchangeToken } };
        var json = PeerShareSamples.Ocm14.Replace("[\"must-exchange-token\"]", "[\"must-exchange-token\", \"must-use-mfa\"]", StringComparison.Ordinal);

        var result = Validate(json, options);

        Assert.Equal(OcmReadOutcome.Unsupported, result.Outcome);
        Assert.Equal(ValidationMessages.UnsupportedRequirement, ErrorsOf(result)["protocol.webdav.requirements"]);
    }

    [Fact]
    public void ValidateShare_OurCriterionMustExchangeTokenAndShareWithout_IsInvalid()
    {
        // OCM §Share Creation Notification: with the criterion must-exchange-token every offered protocol must carry the requirement.
        var options = new ShareValidationOptions { RequireTokenExchange = true };

        Assert.True(Validate(PeerShareSamples.Ocm14, options).IsValid);
        Assert.Equal(ValidationMessages.MissingTokenExchangeRequirement, ErrorsOf(Validate(PeerShareSamples.OpenCloud, options))["protocol.webdav.requirements"]);
        Assert.Equal(ValidationMessages.MissingTokenExchangeRequirement, ErrorsOf(Validate(PeerShareSamples.Nextcloud, options))["protocol"]);
    }

    [Fact]
    public void ValidateShare_WebAppTargetsNotOurs_IsUnsupported()
    {
        // OCM §Resource Access step 6: no common target → the webapp option is unusable.
        var options = new ShareValidationOptions { WebAppTargets = new HashSet<string> { WebAppTargets.Iframe } };

        var result = Validate(PeerShareSamples.MultiProtocol, options);

        Assert.Equal(OcmReadOutcome.Unsupported, result.Outcome);
        Assert.Equal(ValidationMessages.UnsupportedProtocol, ErrorsOf(result)["protocol.webapp.targets"]);
    }

    [Fact]
    public void ValidateShare_OnlyWebDavSupportedAndOnlySshOffered_IsUnsupported()
    {
        var options = new ShareValidationOptions { SupportedProtocols = new HashSet<string> { ProtocolNames.WebDav } };
        var json = PeerShareSamples.Ocm14[..PeerShareSamples.Ocm14.IndexOf("\"protocol\"", StringComparison.Ordinal)]
            + "\"protocol\": { \"name\": \"multi\", \"ssh\": { \"uri\": \"u@h.example:22/x\" } } }";

        Assert.Equal(OcmReadOutcome.Unsupported, Validate(json, options).Outcome);
    }

    [Theory]
    [InlineData("-5", ValidationMessages.Negative)]
    [InlineData("1.5", ValidationMessages.ExpectedInteger)]
    [InlineData("1000", ValidationMessages.Expired)]
    [InlineData("99999999999999999", ValidationMessages.TooFarInTheFuture)] // past 9999-12-31: no DateTimeOffset holds it
    [InlineData("253402300800", ValidationMessages.TooFarInTheFuture)]
    public void ValidateShare_BadExpiration_IsInvalid(string expiration, string message)
    {
        var options = new ShareValidationOptions { Now = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero) };

        var result = Validate(PeerShareSamples.Ocm14.Replace("1798761600", expiration, StringComparison.Ordinal), options);

        Assert.Equal(message, ErrorsOf(result)["expiration"]);
    }

    [Fact]
    public void ValidateShare_FutureExpirationWithNow_IsValid()
    {
        var options = new ShareValidationOptions { Now = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero) };

        Assert.True(Validate(PeerShareSamples.Ocm14, options).IsValid);
    }

    [Fact]
    public void ReadShare_Invalid_ThrowsOcmFormatExceptionCarryingTheBody()
    {
        var ex = Assert.Throws<OcmFormatException>(() => OcmJson.ReadShare(Encoding.UTF8.GetBytes("""{ "shareWith": "x" }""")));

        Assert.Equal(OcmErrorKind.Invalid, ex.Kind);
        Assert.Equal(ValidationMessages.InvalidParameters, ex.Error.Message);
        Assert.Contains(ex.Error.ValidationErrors!, e => e.Name == "shareWith");
        Assert.Contains("shareWith", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadShare_Unsupported_ThrowsWithUnsupportedKind()
    {
        var ex = Assert.Throws<OcmFormatException>(() => OcmJson.ReadShare(Encoding.UTF8.GetBytes(PeerShareSamples.SeafileApi)));

        Assert.Equal(OcmErrorKind.Unsupported, ex.Kind);
    }

    [Fact]
    public void ErrorBody_Written_HasOnlySpecMembers()
    {
        var error = Validate("{}").Error!;

        var json = Encoding.UTF8.GetString(OcmJson.Write(error));

        Assert.StartsWith("{\"message\":\"INVALID_PARAMETERS\",\"validationErrors\":[{\"name\":\"shareWith\",\"message\":\"REQUIRED\"}", json, StringComparison.Ordinal);
        Assert.DoesNotContain("kind", json, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Validate_ModelBuiltInCode_ReportsProblems()
    {
        var share = new NewShare
        {
            ShareWith = OcmAddress.Parse("bob@recv.example.com"),
            Name = "",
            ProviderId = "1",
            Owner = OcmAddress.Parse("alice@files.example.net"),
            Sender = OcmAddress.Parse("alice@files.example.net"),
            ShareType = ShareTypes.User,
            ResourceType = ResourceTypes.Folder,
            Protocol = new ShareProtocol
            {
                WebApp = new WebAppProtocol
                {
                    Uri = "https://apps.example.net/x",
                    SharedSecret = "s",
                    Targets = ["blank"],
                    Permissions = ["view"],
                    Requirements = ["must-use-mfa"],
                },
            },
        };

        var result = ShareValidator.Validate(share);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Name == "name");
        Assert.Contains(result.Errors, e => e.Name == "protocol.webapp.requirements" && e.Message == ValidationMessages.WebAppRequiresTokenExchange);
        Assert.Equal(ValidationMessages.InvalidParameters, result.ToError()!.Message);
    }
}
