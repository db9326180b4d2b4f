"""Mailbox passwords (授权码): from an environment variable or the system credential store, never a file.

The credential store is Windows Credential Manager / macOS Keychain / Secret Service through `keyring`.
One entry per account, so the same 授权码 serves both IMAP and SMTP of a 163/126 mailbox.
"""

from __future__ import annotations

import os

from .settings import Server, env_name

SERVICE = "lyreport-mail"


class CredentialError(Exception):
    """No password could be found or stored; the message is Chinese."""


def _variable(server: Server) -> str:
    """The environment variable to name in a message: never a value that may be the password itself."""
    return server.password_env if env_name(server.password_env) else "（配置中 password_env 所填的变量）"


def get_password(server: Server) -> str:
    """The environment variable first (scripts, CI), then the credential store."""
    value = os.environ.get(server.password_env, "") if env_name(server.password_env) else ""
    if value:
        return value
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            stored = keyring.get_password(SERVICE, server.user)
        except KeyringError:
            stored = None
    except Exception:  # no usable backend on this machine (e.g. a Linux server without a keyring)
        stored = None
    if stored:
        return stored
    raise CredentialError(
        f"没有找到邮箱 {server.user} 的密码（授权码）。请运行“lyreport fetch --save-password”保存到系统凭据管理器，"
        f"或设置环境变量 {_variable(server)}。"
    )


def save_password(server: Server, password: str) -> None:
    """Store the password in the system credential store."""
    try:
        import keyring

        keyring.set_password(SERVICE, server.user, password)
    except Exception as exc:
        raise CredentialError(
            f"无法把密码保存到系统凭据管理器（{type(exc).__name__}）。可改用环境变量 {_variable(server)}。"
        ) from None
