using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ocm.Users;

internal static class UsersServiceCollectionExtensions
{
    /// <summary>The authorization policy for endpoints used by signed-in users (WebDAV, JSON API): Basic credentials.</summary>
    public const string SignedInPolicy = "ocm-user";

    /// <summary>Local users, the <c>Basic</c> scheme and the <see cref="SignedInPolicy"/> policy.</summary>
    public static IServiceCollection AddOcmUsers(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(UsersOptions.Section).Get<UsersOptions>() ?? new UsersOptions();
        var errors = options.Validate().ToList();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(UsersOptions.Section, typeof(UsersOptions), errors);
        }

        services.TryAddSingleton(options);
        services.TryAddSingleton(RandomNumberGenerator.Create());
        services.TryAddSingleton<PasswordHashing>();
        services.TryAddSingleton<LoginThrottle>();
        services.TryAddSingleton<CredentialCache>();
        services.TryAddScoped<CredentialVerifier>();
        services.TryAddScoped<UserAccounts>();
        services.AddHostedService<FirstAdmin>();

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
/// On the first start of an empty data directory, creates the user <c>admin</c> and prints its password once, to the
/// console only (not through logging, so it never lands in a log file or collector).
/// </summary>
internal sealed partial class FirstAdmin(IServiceScopeFactory scopes, UsersOptions options, ILogger<FirstAdmin> logger) : IHostedService
{
    public const string AdminName = "admin";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.CreateAdminOnFirstStart)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<UserAccounts>();
        if (await accounts.AnyAsync(cancellationToken))
        {
            return;
        }

        var password = accounts.GeneratePassword();
        try
        {
            await accounts.AddAsync(new NewUser(AdminName, password, DisplayName: "Administrator", IsAdmin: true), cancellationToken);
        }
        catch (UserAccountException)
        {
            // Another process created the first user at the same moment.
            return;
        }

        Log.AdminCreated(logger);
        await Console.Out.WriteLineAsync(
            $"""

            Created the first user '{AdminName}' with this password (shown only now; change it with 'ocm user passwd {AdminName}'):

                {password}

            """);
        await Console.Out.FlushAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "No user existed: created 'admin'; its password was printed on the console")]
        public static partial void AdminCreated(ILogger logger);
    }
}
