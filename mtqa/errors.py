"""Errors that become one clear line for the user (exit code 2), never a traceback."""


class InputError(Exception):
    """A file that cannot be checked: binary, undecodable, malformed, too large, missing."""


class ConfigError(Exception):
    """A configuration value that is invalid; the message names the setting."""


class ModelUnavailable(Exception):
    """A model a check needs is not on this machine; the check is skipped, never crashes."""

    def __init__(self, message: str, pull_command: str) -> None:
        super().__init__(f"{message}; run: {pull_command}")
        self.reason = message
        self.pull_command = pull_command
