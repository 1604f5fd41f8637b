using System.Text.Json;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.RequestShares;

/// <summary>Maps a request-share body onto <see cref="RequestShare"/>.</summary>
internal static class RequestShareReader
{
    public static OcmReadResult<RequestShare> Read(JsonElement root)
    {
        var errors = new ValidationCollector();
        var o = new JsonObjectReader(root, string.Empty, errors);
        var owner = o.Address("owner", required: true);
        var shareWith = o.Address("shareWith", required: true);
        var share = o.StringOrNumber("share", required: true, "shareId"); // -04 draft name
        if (owner is null || shareWith is null || share is null)
        {
            return OcmReadResult<RequestShare>.From(null, errors);
        }

        return OcmReadResult<RequestShare>.From(new RequestShare { Owner = owner, ShareWith = shareWith, Share = share }, errors);
    }
}
