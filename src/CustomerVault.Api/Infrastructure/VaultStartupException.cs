namespace CustomerVault.Infrastructure;

/// <summary>
/// The vault cannot start because of how this machine or its configuration is set up.
/// The message says what to change; Program prints it alone, without a stack trace.
/// </summary>
public sealed class VaultStartupException(string message, Exception? inner = null) : Exception(message, inner);
