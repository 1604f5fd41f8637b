using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Data;

namespace Ocm.Users;

internal static class UsersServiceCollectionExtensions
{
    /// <summary>The authorization policy for endpoints used by signed-in users (WebDAV, JSON API): Basic credentials.</summary>
    public const string SignedInPolicy = "ocm-user";

    /// <summary>Local users, the <c>Basic</c> scheme and the <see cref="SignedInPolicy"/> policy.</summary>
    public static IServiceCollection AddOcmUsers(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(UsersOptions.Section).Get<UsersOptions>() ?? new UsersOptions();

        services.TryAddSingleton(options);
        services.TryAddSingleton(RandomNumberGenerator.Create());
        services.TryAddSingleton<PasswordHashing>();
        services.TryAddSingleton<LoginThrottle>();
        services.TryAddSingleton<CredentialCache>();
        services.TryAddScoped<CredentialVerifier>();
        services.TryAddScoped<UserAccounts>();
        services.TryAddSingleton<FirstAdmin>();

        // The core services only: AddAuthentication() would also bring Data Protection, which keeps keys in the home
        // folder — nothing here encrypts cookies or tokens.
        services.AddAuthenticationCore(o => o.AddScheme<BasicAuthenticationHandler>(BasicAuthenticationHandler.SchemeName, displayName: null));
        services.AddWebEncoders();
        services.AddAuthorizationBuilder()
            .AddPolicy(SignedInPolicy, policy => policy
                .AddAuthenticationSchemes(BasicAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser());
        return services;
    }
}

/// <summary>
/// On the first start of an empty data directory, creates the user <c>admin</c>; its password is printed once, to the
/// console only (not through logging, so it never lands in a log file or collector), after the server says where it
/// listens — the start (Hosting/OcmStartup.cs) calls <see cref="CreateIfNoUserAsync"/>, <c>ocm serve</c> then
/// <see cref="AnnounceAsync"/>.
/// </summary>
internal sealed partial class FirstAdmin(IServiceScopeFactory scopes, UsersOptions options, ClusterLocks locks, ILogger<FirstAdmin> logger)
{
    public const string AdminName = "admin";

    /// <summary>
    /// Creates <c>admin</c> when there is no user at all; returns its password then, null otherwise. Nodes starting
    /// together on one database take turns (<see cref="ClusterTask.FirstAdmin"/>), so exactly one creates it and the
    /// others find it there, without a failed insert in their logs.
    /// </summary>
    public async Task<string?> CreateIfNoUserAsync(CancellationToken cancellationToken)
    {
        if (!options.CreateAdminOnFirstStart)
        {
            return null;
        }

        await using var turn = await locks.AcquireAsync(ClusterTask.FirstAdmin, cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<UserAccounts>();
        if (await accounts.AnyAsync(cancellationToken))
        {
            return null;
        }

        var password = accounts.GeneratePassword();
        try
        {
            await accounts.AddAsync(new NewUser(AdminName, password, DisplayName: "Administrator", IsAdmin: true), cancellationToken);
        }
        catch (UserAccountException)
        {
            // Another process created the first user at the same moment.
            return null;
        }

        return password;
    }

    /// <summary>Prints the password with the command that replaces it, in case it scrolls away.</summary>
    public async Task AnnounceAsync(string password, string dataDir, CancellationToken cancellationToken)
    {
        Log.AdminCreated(logger);
        await Console.Out.WriteLineAsync(
            $"""

            Created the first user '{AdminName}' with this password (shown only now):

                {password}

            Sign in with it, then set your own with: ocm user passwd {AdminName} --data-dir {ShellWord(dataDir)}

            """);
        await Console.Out.FlushAsync(cancellationToken);
    }

    /// <summary>The path as one word for a POSIX shell, so that the printed command can be pasted as it is.</summary>
    private static string ShellWord(string path) =>
        path.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+:@%".Contains(c)) ? path : "'" + path.Replace("'", "'\\''") + "'";

    private static partial class Log
    {
        [LoggerMessage(2220, LogLevel.Warning, "No user existed: created 'admin'; its password was printed on the console")]
        public static partial void AdminCreated(ILogger logger);
    }
}
