using System.Text;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Json;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Tests.Json;

// The reader must fail cleanly (only OcmFormatException / an Invalid result) on anything a peer can send.
public sealed class HostileInputTests
{
    private static readonly byte[] DeepArrays = Encoding.ASCII.GetBytes(new string('[', 1000) + new string(']', 1000));

    private static byte[] TenMegabytes()
    {
        var filler = new string('x', 10 * 1024 * 1024);
        return Encoding.ASCII.GetBytes("{\"shareWith\":\"" + filler + "\"}");
    }

    public static TheoryData<string, string> Garbage => new()
    {
        { "", ValidationMessages.InvalidJson },
        { "   ", ValidationMessages.InvalidJson },
        { "{", ValidationMessages.InvalidJson },
        { "{\"a\":1,}", ValidationMessages.InvalidJson },
        { "{\"a\":1} {\"b\":2}", ValidationMessages.InvalidJson },
        { "{/*c*/\"a\":1}", ValidationMessages.InvalidJson },
        { "{'a':1}", ValidationMessages.InvalidJson },
        { "{\"a\":\"\\ud800\"}x", ValidationMessages.InvalidJson },
        { "{\"name\":\"a\",\"name\":\"b\"}", ValidationMessages.InvalidJson },
        { "{\"name\":\"a\\u0000b\"}", ValidationMessages.NulCharacter }, // PostgreSQL cannot store it; no field needs it
        { "{\"a\\u0000\":1}", ValidationMessages.NulCharacter },
        { "[]", ValidationMessages.ExpectedObjectBody },
        { "\"text\"", ValidationMessages.ExpectedObjectBody },
        { "null", ValidationMessages.ExpectedObjectBody },
        { "42", ValidationMessages.ExpectedObjectBody },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void ReadShare_Garbage_ThrowsOcmFormatException(string body, string message)
    {
        var ex = Assert.Throws<OcmFormatException>(() => OcmJson.ReadShare(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(message, ex.Error.Message);
        Assert.Equal(OcmErrorKind.Invalid, ex.Kind);
    }

    [Theory]
    [MemberData(nameof(Garbage))]
    public void ValidateShare_Garbage_ReturnsInvalidWithoutThrowing(string body, string message)
    {
        var result = OcmJson.ValidateShare(Encoding.UTF8.GetBytes(body));

        Assert.Equal(OcmReadOutcome.Invalid, result.Outcome);
        Assert.Equal(message, result.Error!.Message);
    }

    [Fact]
    public void Read_ThousandNestedArrays_FailsCleanlyAsTooDeep()
    {
        AssertOcmFormat(() => OcmJson.ReadShare(DeepArrays), ValidationMessages.TooDeep);
        AssertOcmFormat(() => OcmJson.ReadDiscovery(DeepArrays), ValidationMessages.TooDeep);
        AssertOcmFormat(() => OcmJson.ReadNotification(DeepArrays), ValidationMessages.TooDeep);
        AssertOcmFormat(() => OcmJson.ReadInviteAccepted(DeepArrays), ValidationMessages.TooDeep);
        AssertOcmFormat(() => DiscoveryAnalysis.Analyze(DeepArrays), ValidationMessages.TooDeep);
    }

    [Fact]
    public void Read_DeepNestingInsideAValidMember_FailsCleanly()
    {
        var body = Encoding.ASCII.GetBytes("{\"notificationType\":\"X\",\"providerId\":\"1\",\"notification\":" + new string('[', 200) + new string(']', 200) + "}");

        AssertOcmFormat(() => OcmJson.ReadNotification(body), ValidationMessages.TooDeep);
    }

    [Fact]
    public void Read_NestingWithinLimit_IsAccepted()
    {
        var inner = new string('[', 20) + new string(']', 20);
        var body = Encoding.ASCII.GetBytes("{\"notificationType\":\"X\",\"providerId\":\"1\",\"notification\":{\"deep\":" + inner + "}}");

        var notification = OcmJson.ReadNotification(body);

        Assert.True(notification.Notification!.AdditionalData!.ContainsKey("deep"));
    }

    [Fact]
    public void Read_TenMegabyteBody_FailsCleanlyAsTooLarge()
    {
        var body = TenMegabytes();

        AssertOcmFormat(() => OcmJson.ReadShare(body), ValidationMessages.PayloadTooLarge);
        AssertOcmFormat(() => OcmJson.ReadDiscovery(body), ValidationMessages.PayloadTooLarge);
        Assert.Equal(ValidationMessages.PayloadTooLarge, OcmJson.ValidateShare(body).Error!.Message);
    }

    [Fact]
    public async Task ReadAsync_TenMegabyteStream_FailsCleanlyWithoutReadingItAll()
    {
        using var stream = new CountingStream(TenMegabytes());

        var ex = await Assert.ThrowsAsync<OcmFormatException>(async () => await OcmJson.ReadDiscoveryAsync(stream));

        Assert.Equal(ValidationMessages.PayloadTooLarge, ex.Error.Message);
        Assert.True(stream.BytesRead <= OcmJson.MaxInputBytes + (64 * 1024));
        var result = await OcmJson.ValidateShareAsync(new MemoryStream(TenMegabytes()));
        Assert.Equal(ValidationMessages.PayloadTooLarge, result.Error!.Message);
    }

    [Fact]
    public async Task ReadAsync_DeepStream_FailsCleanly()
    {
        var result = await OcmJson.ValidateNotificationAsync(new MemoryStream(DeepArrays));

        Assert.Equal(ValidationMessages.TooDeep, result.Error!.Message);
    }

    [Fact]
    public void Read_InvalidUtf8_FailsCleanly()
    {
        byte[] body = [(byte)'{', (byte)'"', (byte)'a', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'];

        AssertOcmFormat(() => OcmJson.ReadShare(body), ValidationMessages.InvalidJson);
    }

    [Fact]
    public void Read_InvalidUtf8InsideAValue_FailsCleanly()
    {
        var body = Encoding.ASCII.GetBytes("{\"notificationType\":\"SHARE_ACCEPTED\",\"providerId\":\"1\",\"notification\":{\"message\":\"a?b\"}}");
        body[Array.IndexOf(body, (byte)'?')] = 0xFF;

        AssertOcmFormat(() => OcmJson.ReadNotification(body), ValidationMessages.InvalidJson);
    }

    [Theory]
    [InlineData("{\"shareWith\":\"\\ud800@host.example\"}")]
    [InlineData("{\"notificationType\":\"\\udc00\",\"providerId\":\"1\"}")]
    public void Validate_EscapedLoneSurrogate_NeverThrows(string body)
    {
        var bytes = Encoding.ASCII.GetBytes(body);

        Assert.Null(Record.Exception(() => OcmJson.ValidateShare(bytes)));
        Assert.Null(Record.Exception(() => OcmJson.ValidateNotification(bytes)));
    }

    [Fact]
    public void Read_Utf8Bom_IsTolerated()
    {
        var body = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("""{"notificationType":"SHARE_ACCEPTED","providerId":"1"}""")).ToArray();

        Assert.Equal("SHARE_ACCEPTED", OcmJson.ReadNotification(body).NotificationType);
    }

    [Fact]
    public void Read_RandomBytes_NeverThrowsAnythingElse()
    {
        var random = new Random(1234);
        for (var i = 0; i < 500; i++)
        {
            var body = new byte[random.Next(0, 64)];
            random.NextBytes(body);
            var ex = Record.Exception(() => OcmJson.ReadShare(body));
            Assert.IsType<OcmFormatException>(ex);
            ex = Record.Exception(() => OcmJson.ReadDiscovery(body));
            Assert.True(ex is null or OcmFormatException, ex?.GetType().Name);
        }
    }

    [Fact]
    public void Read_WrongTypesEverywhere_NeverThrowsAnythingElse()
    {
        string[] values = ["null", "true", "1", "-1.5e300", "\"\"", "[]", "{}", "[1,{\"a\":[]}]", "\"x@y\""];
        string[] members = ["shareWith", "name", "providerId", "owner", "sender", "shareType", "resourceType", "expiration", "protocol",
            "notificationType", "notification", "recipientProvider", "token", "userID", "email", "resourceTypes", "capabilities",
            "criteria", "endPoint", "enabled", "apiVersion", "publicKey", "publicKeys", "owner", "share"];
        foreach (var member in members)
        {
            foreach (var value in values)
            {
                var body = Encoding.UTF8.GetBytes("{\"" + member + "\":" + value + "}");
                Assert.True(Record.Exception(() => OcmJson.ValidateShare(body)) is null);
                Assert.True(Record.Exception(() => OcmJson.ValidateNotification(body)) is null);
                Assert.True(Record.Exception(() => OcmJson.ValidateInviteAccepted(body)) is null);
                Assert.True(Record.Exception(() => OcmJson.ValidateRequestShare(body)) is null);
                Assert.True(Record.Exception(() => DiscoveryAnalysis.Analyze(body)) is null);
            }
        }

        string[] protocolValues = ["{\"webdav\":[]}", "{\"webdav\":{\"uri\":[],\"permissions\":{}}}", "{\"options\":3,\"name\":\"webdav\"}",
            "{\"webapp\":{\"targets\":\"blank\",\"requirements\":5}}", "{\"ssh\":{\"uri\":1}}", "{\"name\":[]}", "{\"datatx\":{\"size\":\"x\"}}"];
        foreach (var protocol in protocolValues)
        {
            var body = Encoding.UTF8.GetBytes("{\"protocol\":" + protocol + "}");
            Assert.Equal(OcmReadOutcome.Invalid, OcmJson.ValidateShare(body).Outcome);
        }
    }

    private static void AssertOcmFormat(Func<object> read, string message)
    {
        var ex = Assert.Throws<OcmFormatException>(() => read());
        Assert.Equal(message, ex.Error.Message);
    }

    private sealed class CountingStream(byte[] data) : MemoryStream(data)
    {
        public long BytesRead { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            BytesRead += read;
            return read;
        }
    }
}
