"""Errors that become one clear line for the user (exit code 2), never a traceback."""


class InputError(Exception):
    """A file that cannot be checked: binary, undecodable, malformed, too large, missing."""


class ConfigError(Exception):
    """A configuration value that is invalid; the message names the setting."""
