using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Golem.VmImages.Oci;

/// <summary>A user name and password (or token) for a container registry; <see cref="ToString"/> never shows the password.</summary>
internal sealed record BasicCredentials(string UserName, string Password)
{
    public override string ToString() => UserName + ":***";
}

/// <summary>
/// Finds a registry's credentials where podman, skopeo and Docker keep them: the containers auth file
/// (<c>$REGISTRY_AUTH_FILE</c>, else <c>$XDG_RUNTIME_DIR/containers/auth.json</c>), then the Docker config
/// (<c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>). In each file a credential helper named for
/// the registry (<c>credHelpers</c>) comes first, then an <c>auths</c> entry, then the default helper (<c>credsStore</c>);
/// a helper is run as <c>docker-credential-&lt;name&gt; get</c>.
/// </summary>
internal static class RegistryAuthFiles
{
    private const string DockerHubServer = "https://index.docker.io/v1/";

    public static async Task<BasicCredentials?> FindAsync(ImageReference reference, OciPullOptions options, CancellationToken cancellationToken)
    {
        if (options.UserName is not null && options.Password is not null)
        {
            return new BasicCredentials(options.UserName, options.Password);
        }

        foreach (var file in Files(options))
        {
            if (!File.Exists(file))
            {
                continue;
            }

            if (await FromFileAsync(file, reference, cancellationToken).ConfigureAwait(false) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static IEnumerable<string> Files(OciPullOptions options)
    {
        if (options.AuthFile is not null)
        {
            yield return options.AuthFile;
            yield break;
        }

        if (Environment.GetEnvironmentVariable("REGISTRY_AUTH_FILE") is { Length: > 0 } authFile)
        {
            yield return authFile;
        }
        else if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime)
        {
            yield return Path.Combine(runtime, "containers", "auth.json");
        }

        yield return Environment.GetEnvironmentVariable("DOCKER_CONFIG") is { Length: > 0 } dockerConfig
            ? Path.Combine(dockerConfig, "config.json")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker", "config.json");
    }

    private static async Task<BasicCredentials?> FromFileAsync(string file, ImageReference reference, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false));
        }
        catch (JsonException ex)
        {
            throw new OciRegistryAuthorizationException(ErrorMessages.OciAuthFileJson(file, ex.Message));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (root.TryGetProperty("credHelpers", out var helpers) && helpers.ValueKind == JsonValueKind.Object)
            {
                foreach (var helper in helpers.EnumerateObject())
                {
                    if (Normalize(helper.Name) == reference.Registry && helper.Value.GetString() is { Length: > 0 } name)
                    {
                        return await RunHelperAsync(name, reference, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            if (root.TryGetProperty("auths", out var auths) && auths.ValueKind == JsonValueKind.Object)
            {
                // The most specific key wins: podman allows "registry/namespace" keys beside "registry".
                var repository = reference.Registry + "/" + reference.Repository;
                var best = auths.EnumerateObject()
                    .Select(entry => (Entry: entry, Key: Normalize(entry.Name)))
                    .Where(e => e.Key == reference.Registry || repository == e.Key || repository.StartsWith(e.Key + "/", StringComparison.Ordinal))
                    .OrderByDescending(e => e.Key.Length)
                    .Select(e => FromEntry(e.Entry.Value, file))
                    .FirstOrDefault(c => c is not null);
                if (best is not null)
                {
                    return best;
                }
            }

            if (root.TryGetProperty("credsStore", out var store) && store.GetString() is { Length: > 0 } storeName)
            {
                return await RunHelperAsync(storeName, reference, cancellationToken).ConfigureAwait(false);
            }
        }

        return null;
    }

    private static BasicCredentials? FromEntry(JsonElement entry, string file)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (entry.TryGetProperty("auth", out var auth) && auth.GetString() is { Length: > 0 } encoded)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            }
            catch (FormatException)
            {
                throw new OciRegistryAuthorizationException(ErrorMessages.OciAuthEntry(file));
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 ? new BasicCredentials(decoded[..colon], decoded[(colon + 1)..]) : throw new OciRegistryAuthorizationException(ErrorMessages.OciAuthEntry(file));
        }

        return entry.TryGetProperty("username", out var user) && user.GetString() is { Length: > 0 } userName
            && entry.TryGetProperty("password", out var password) && password.GetString() is { } secret
            ? new BasicCredentials(userName, secret)
            : null;
    }

    /// <summary>Reduces an auth-file key to what a reference's registry is: no scheme, no <c>/v1/</c>, Docker Hub's aliases as <c>docker.io</c>.</summary>
    internal static string Normalize(string key)
    {
        var text = key;
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            text = text[(scheme + 3)..];
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            text = slash < 0 ? text : text[..slash];
        }

        text = text.TrimEnd('/');
        var host = text.Split('/')[0];
        return host is "index.docker.io" or "registry-1.docker.io" ? ImageReference.DockerHub + text[host.Length..] : text;
    }

    private static async Task<BasicCredentials?> RunHelperAsync(string name, ImageReference reference, CancellationToken cancellationToken)
    {
        var program = "docker-credential-" + name;
        var start = new ProcessStartInfo(program, "get")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new OciRegistryAuthorizationException(ErrorMessages.OciHelperMissing(program, reference.Registry));
        }
        catch (Win32Exception ex)
        {
            throw new OciRegistryAuthorizationException(ErrorMessages.OciHelperMissing(program, reference.Registry), ex);
        }

        using (process)
        {
            await process.StandardInput.WriteAsync(reference.Registry == ImageReference.DockerHub ? DockerHubServer : reference.Registry).ConfigureAwait(false);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            var text = await output.ConfigureAwait(false);
            var errorText = await error.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                // The helpers' protocol: "credentials not found in native keychain" means none are stored, so pull anonymously.
                if ((text + errorText).Contains("credentials not found", StringComparison.OrdinalIgnoreCase))
                {
                    return null;
                }

                throw new OciRegistryAuthorizationException(ErrorMessages.OciHelperFailed(program, reference.Registry, process.ExitCode));
            }

            try
            {
                using var json = JsonDocument.Parse(text);
                var root = json.RootElement;
                return root.TryGetProperty("Username", out var user) && user.GetString() is { Length: > 0 } userName
                    && root.TryGetProperty("Secret", out var secret) && secret.GetString() is { } password
                    ? new BasicCredentials(userName, password)
                    : null;
            }
            catch (JsonException)
            {
                throw new OciRegistryAuthorizationException(ErrorMessages.OciHelperOutput(program));
            }
        }
    }
}
