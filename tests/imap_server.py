"""A real IMAP server (Debian's Dovecot) on loopback, configured for one test.

It listens only on 127.0.0.1, at a free port, IMAP over TLS only (a self-signed certificate
the client is told to trust), with one user whose mail is a Maildir under the test's own
folder. It runs in the foreground as the test's child process and is terminated when the
block ends.
"""

from __future__ import annotations

import mailbox
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from smtp_server import self_signed_certificate

DOVECOT = Path("/usr/sbin/dovecot")
USERNAME = "bounces"
PASSWORD = "Hunter2Secret-imap"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:{root}/home/%u/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
"""


@dataclass(frozen=True)
class RunningImap:
    port: int
    maildir: Path  # the user's INBOX
    client_context: ssl.SSLContext
    cert: Path  # the server's self-signed certificate, for SSL_CERT_FILE

    @property
    def url(self) -> str:
        return f"imaps://127.0.0.1:{self.port}/INBOX"


def why_dovecot_cannot_run() -> str | None:
    if not DOVECOT.exists():
        return f"{DOVECOT} is not installed (apt-get install dovecot-imapd; .ci/run does)"
    if os.geteuid() != 0:
        return "Dovecot must start as root; the tests are not running as root"
    for user in ("dovecot", "dovenull", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            return f"there is no '{user}' user (Debian's dovecot-core package creates it)"
    return None


@contextmanager
def running_imap(messages: Sequence[bytes]) -> Iterator[RunningImap]:
    """Dovecot with `messages` in the INBOX of USERNAME/PASSWORD."""
    root = Path(tempfile.mkdtemp(prefix="missive-imap-"))
    root.chmod(0o755)  # Dovecot's own users must reach the configuration and the mail
    try:
        cert, key = self_signed_certificate(root)
        port = _free_port()
        maildir = _prepare(root, cert, key, port, messages)
        process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _wait_listening(port, process, root)
            context = ssl.create_default_context(cafile=str(cert))
            yield RunningImap(port=port, maildir=maildir, client_context=context, cert=cert)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _prepare(root: Path, cert: Path, key: Path, port: int, messages: Sequence[bytes]) -> Path:
    nobody = pwd.getpwnam("nobody")
    (root / "dovecot.conf").write_text(
        CONFIG.format(
            root=root, cert=cert, key=key, port=port, uid=nobody.pw_uid, gid=nobody.pw_gid
        )
    )
    (root / "passwd").write_text(f"{USERNAME}:{{PLAIN}}{PASSWORD}::::::\n")
    key.chmod(0o600)
    maildir = root / "home" / USERNAME / "Maildir"
    maildir.parent.mkdir(parents=True)
    box = mailbox.Maildir(maildir, create=True)
    for data in messages:
        box.add(data)
    for path in (root / "home", *(root / "home").rglob("*")):
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    return maildir


def _wait_listening(port: int, process: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"dovecot exited: {process.stderr.read() if process.stderr else ''!r}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    log = root / "dovecot.log"
    raise RuntimeError(
        f"Dovecot did not listen on {port}: {log.read_text() if log.exists() else ''}"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
