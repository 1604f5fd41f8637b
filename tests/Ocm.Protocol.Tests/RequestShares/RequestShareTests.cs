using System.Text;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Json;
using Ocm.Protocol.RequestShares;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Tests.RequestShares;

// OCM §Request for a Share: POST /request-share with owner, shareWith, share.
public sealed class RequestShareTests
{
    [Fact]
    public void ReadRequestShare_SpecShape_RoundTrips()
    {
        var json = """{"owner":"alice@files.example.net","shareWith":"bob@recv.example.com","share":"/Documents/report.pdf"}""";

        var request = OcmJson.ReadRequestShare(Encoding.UTF8.GetBytes(json));

        Assert.Equal(OcmAddress.Parse("alice@files.example.net"), request.Owner);
        Assert.Equal("/Documents/report.pdf", request.Share);
        Assert.Equal(json, Encoding.UTF8.GetString(OcmJson.Write(request)));
    }

    [Fact]
    public void ReadRequestShare_Draft04ShareId_IsShare()
    {
        var request = OcmJson.ReadRequestShare("""{"owner":"alice@https://files.example.net","shareWith":"bob@recv.example.com","shareId":99}"""u8);

        Assert.Equal("99", request.Share);
        Assert.Equal("alice@files.example.net", request.Owner.ToString());
    }

    [Fact]
    public void ValidateRequestShare_BadAddressesAndMissingShare_NamesEach()
    {
        var result = OcmJson.ValidateRequestShare("""{"owner":"alice","shareWith":"bob@host/x"}"""u8);

        var errors = result.Error!.ValidationErrors!.ToDictionary(e => e.Name, e => e.Message);
        Assert.Equal(ValidationMessages.InvalidOcmAddress, errors["owner"]);
        Assert.Equal(ValidationMessages.InvalidOcmAddress, errors["shareWith"]);
        Assert.Equal(ValidationMessages.Required, errors["share"]);
    }

    [Fact]
    public async Task ValidateRequestShareAsync_Stream_Reads()
    {
        using var stream = new MemoryStream("""{"owner":"a@b.example","shareWith":"c@d.example","share":"x"}"""u8.ToArray());

        var result = await OcmJson.ValidateRequestShareAsync(stream);

        Assert.True(result.IsValid);
        Assert.IsType<RequestShare>(result.Value);
    }
}
