namespace Golem.VmImages.Registry.Push;

/// <summary>
/// A registry user name and personal access token, as the registry portal issues them. <see cref="ToString"/> never
/// shows the token, so the credentials can be logged or printed by accident without leaking it.
/// </summary>
public sealed class RegistryCredentials
{
    /// <summary>The environment variable gvmkit-build reads the user name from: <c>REGISTRY_USER</c>.</summary>
    public const string UserNameVariable = "REGISTRY_USER";

    /// <summary>The environment variable gvmkit-build reads the personal access token from: <c>REGISTRY_TOKEN</c>.</summary>
    public const string TokenVariable = "REGISTRY_TOKEN";

    /// <summary>Initializes credentials.</summary>
    /// <param name="userName">The registry user name.</param>
    /// <param name="token">The personal access token.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An argument is empty or white space.</exception>
    public RegistryCredentials(string userName, string token)
    {
        ArgumentNullException.ThrowIfNull(userName);
        ArgumentNullException.ThrowIfNull(token);
        if (string.IsNullOrWhiteSpace(userName))
        {
            throw new ArgumentException(ErrorMessages.PushCredentialsEmpty("user name"), nameof(userName));
        }

        if (string.IsNullOrWhiteSpace(token))
        {
            throw new ArgumentException(ErrorMessages.PushCredentialsEmpty("token"), nameof(token));
        }

        UserName = userName;
        Token = token;
    }

    /// <summary>Gets the registry user name.</summary>
    public string UserName { get; }

    /// <summary>Gets the personal access token. Never print or log it.</summary>
    public string Token { get; }

    /// <summary>Reads <c>REGISTRY_USER</c> and <c>REGISTRY_TOKEN</c>, as gvmkit-build does.</summary>
    /// <returns>The credentials, or <see langword="null"/> when either variable is unset or empty.</returns>
    public static RegistryCredentials? FromEnvironment()
    {
        var user = Environment.GetEnvironmentVariable(UserNameVariable);
        var token = Environment.GetEnvironmentVariable(TokenVariable);
        return string.IsNullOrWhiteSpace(user) || string.IsNullOrWhiteSpace(token) ? null : new RegistryCredentials(user, token);
    }

    /// <summary>Returns the user name and a note that the token is hidden.</summary>
    /// <returns>The user name, never the token.</returns>
    public override string ToString() => UserName + " (token hidden)";
}
