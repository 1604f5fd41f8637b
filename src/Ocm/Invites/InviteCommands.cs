using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ocm.Contacts;

namespace Ocm.Invites;

/// <summary>
/// <c>ocm invite create|list|accept --server URL --user NAME</c>: the invite API of a running server, as that user.
/// The password (or an app password) comes from <c>OCM_PASSWORD</c>, else from the first line of standard input.
/// </summary>
internal static class InviteCommands
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web) { TypeInfoResolver = InvitesJsonContext.Default };
    private static readonly JsonSerializerOptions WebContacts = new(JsonSerializerDefaults.Web) { TypeInfoResolver = ContactsJsonContext.Default };

    public static Command Create() => new("invite", "Create, list and accept invites (OCM invite flow) on a running server.")
    {
        CreateInvite(),
        ListInvites(),
        AcceptInvite(),
    };

    private static Command CreateInvite()
    {
        var connection = new Connection();
        var label = new Option<string?>("--label") { Description = "A note for yourself, e.g. who the invite is for." };
        var command = new Command("create", "Create an invite; prints the token, the invite string and the WAYF link (shown only now).") { label };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async (client, json) =>
        {
            using var response = await client.PostAsJsonAsync("api/v1/invites", new CreateInviteRequest(parse.GetValue(label)), Web, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return await FailAsync(response, body);
            }

            if (json)
            {
                await Console.Out.WriteLineAsync(body);
                return 0;
            }

            var invite = JsonSerializer.Deserialize(body, InvitesJsonContext.Default.CreatedInvite)!;
            await Console.Out.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"""
                Invite {invite.Id} created; it can be accepted once, until {invite.Expires:yyyy-MM-dd HH:mm}Z.
                Send one of these to the person you invite (the token is not shown again):
                  invite string: {invite.InviteString}
                  link:          {invite.Link}
                  token:         {invite.Token}

                """));
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command ListInvites()
    {
        var connection = new Connection();
        var command = new Command("list", "List your invites (never their tokens).");
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async (client, json) =>
        {
            using var response = await client.GetAsync("api/v1/invites", cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return await FailAsync(response, body);
            }

            if (json)
            {
                await Console.Out.WriteLineAsync(body);
                return 0;
            }

            var output = new StringBuilder();
            output.AppendLine(CultureInfo.InvariantCulture, $"{"ID",6} {"STATE",-9} {"EXPIRES",-17} {"LABEL",-24} ACCEPTED BY");
            foreach (var invite in JsonSerializer.Deserialize(body, InvitesJsonContext.Default.ListInviteView)!)
            {
                output.AppendLine(CultureInfo.InvariantCulture,
                    $"{invite.Id,6} {invite.State,-9} {invite.Expires:yyyy-MM-dd HH:mm,-17} {invite.Label ?? "-",-24} {invite.AcceptedBy ?? "-"}");
            }

            await Console.Out.WriteAsync(output.ToString());
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command AcceptInvite()
    {
        var connection = new Connection();
        var invite = new Argument<string?>("invite") { Description = "The invite string (or the invite link).", Arity = ArgumentArity.ZeroOrOne };
        var token = new Option<string?>("--token") { Description = "The invite token, when you have it apart from the invite string." };
        var provider = new Option<string?>("--provider-domain") { Description = "The inviter's server (host[:port]), with --token." };
        var command = new Command("accept", "Accept someone's invite: both of you become contacts.") { invite, token, provider };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async (client, json) =>
        {
            var request = new AcceptInviteRequest(parse.GetValue(invite), parse.GetValue(token), parse.GetValue(provider));
            using var response = await client.PostAsJsonAsync("api/v1/invites/accept", request, Web, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return await FailAsync(response, body);
            }

            if (json)
            {
                await Console.Out.WriteLineAsync(body);
                return 0;
            }

            var contact = JsonSerializer.Deserialize(body, WebContacts.GetTypeInfo(typeof(ContactView)))! as ContactView;
            await Console.Out.WriteLineAsync($"Invite accepted: {contact!.Name} ({contact.Address}) is now one of your contacts.");
            return 0;
        }, cancellationToken));
        return command;
    }

    /// <summary>Prints the API's ProblemDetails (title and detail) and returns exit code 1.</summary>
    private static async Task<int> FailAsync(HttpResponseMessage response, string body)
    {
        string message;
        try
        {
            using var problem = JsonDocument.Parse(body);
            var title = problem.RootElement.TryGetProperty("title", out var t) ? t.GetString() : null;
            var detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
            message = string.Join(": ", new[] { title, detail }.Where(s => !string.IsNullOrEmpty(s)));
        }
        catch (JsonException)
        {
            message = "";
        }

        if (message.Length == 0)
        {
            message = response.StatusCode == System.Net.HttpStatusCode.Unauthorized
                ? "the server refused the user name or password"
                : $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}";
        }

        await Console.Error.WriteLineAsync("error: " + message);
        return 1;
    }

    /// <summary>The <c>--server</c>, <c>--user</c> and <c>--json</c> options and the signed-in client they make.</summary>
    private sealed class Connection
    {
        private readonly Option<string> _server = new("--server") { Description = "Base URL of the Ocm server, e.g. https://files.example.org", Required = true };
        private readonly Option<string> _user = new("--user") { Description = "Your user name (password from OCM_PASSWORD or standard input).", Required = true };
        private readonly Option<bool> _json = new("--json") { Description = "Print the server's JSON answer." };

        public void AddTo(Command command)
        {
            command.Options.Add(_server);
            command.Options.Add(_user);
            command.Options.Add(_json);
        }

        public async Task<int> RunAsync(ParseResult parse, Func<HttpClient, bool, Task<int>> action, CancellationToken cancellationToken)
        {
            if (!Uri.TryCreate(parse.GetValue(_server), UriKind.Absolute, out var server) || (server.Scheme != Uri.UriSchemeHttps && server.Scheme != Uri.UriSchemeHttp))
            {
                await Console.Error.WriteLineAsync("error: --server must be an http(s) URL, e.g. https://files.example.org");
                return 1;
            }

            var password = Environment.GetEnvironmentVariable("OCM_PASSWORD");
            if (string.IsNullOrEmpty(password) && Console.IsInputRedirected)
            {
                password = (await Console.In.ReadLineAsync(cancellationToken))?.TrimEnd('\r');
            }

            if (string.IsNullOrEmpty(password))
            {
                await Console.Error.WriteLineAsync("error: set OCM_PASSWORD (or pipe the password on standard input).");
                return 1;
            }

            using var client = new HttpClient
            {
                BaseAddress = new Uri(server.AbsoluteUri.TrimEnd('/') + "/"),
                Timeout = TimeSpan.FromSeconds(90),
            };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(parse.GetValue(_user) + ":" + password)));
            try
            {
                return await action(client, parse.GetValue(_json));
            }
            catch (HttpRequestException ex)
            {
                await Console.Error.WriteLineAsync($"error: cannot reach {server}: {ex.Message}");
                return 1;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"error: {server} did not answer in time.");
                return 1;
            }
        }
    }
}
