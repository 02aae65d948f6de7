"""A real Postfix (Debian's package) on loopback, configured for one test, that writes its
own bounces into a Maildir.

- It listens on 127.0.0.1 at a free port and delivers only to virtual mailboxes under its own
  folder: `example.org` (addressees; unknown users bounce with 5.1.1) and `missive.example`
  (the bounce mailbox `bounces@`, with `+` extensions for VERP).
- `slow.example.net` goes to Postfix's `retry` transport (error(8) in defer mode): the
  message stays queued and the sender gets a delay notice after one second.
- Anything else goes to the `error` transport: relayhost is empty and nothing leaves loopback.
- The instance has its own config_directory, queue_directory and data_directory, and is
  stopped when the block ends (then its master process is checked gone).
"""

from __future__ import annotations

import mailbox
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

POSTFIX = Path("/usr/sbin/postfix")
RECIPIENT_DOMAIN = "example.org"
BOUNCE_DOMAIN = "missive.example"
SLOW_DOMAIN = "slow.example.net"
BOUNCE_ADDRESS = f"bounces@{BOUNCE_DOMAIN}"
SECRETARIAT = f"secretariat@{BOUNCE_DOMAIN}"  # a From address whose mailbox gets the bounces

MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {root}/spool
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.{bounce_domain}
mydomain = {bounce_domain}
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
default_transport = error:this test server delivers nowhere else
relay_transport = error:this test server delivers nowhere else
local_transport = error:no local delivery here
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_reject_unlisted_recipient = no
recipient_delimiter = +
virtual_mailbox_domains = {recipient_domain}, {bounce_domain}
virtual_mailbox_base = {root}/mail
virtual_mailbox_maps = texthash:{root}/etc/mailboxes
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
transport_maps = texthash:{root}/etc/transport
delay_warning_time = 1s
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
alias_maps =
alias_database =
smtputf8_enable = yes
maillog_file = {root}/maillog
maillog_file_prefixes = {root}
"""


@dataclass(frozen=True)
class RunningPostfix:
    root: Path
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def bounce_maildir(self) -> Path:
        return self.maildir(BOUNCE_ADDRESS)

    def maildir(self, address: str) -> Path:
        user, _, domain = address.partition("@")
        return self.root / "mail" / domain / user

    def log(self) -> str:
        path = self.root / "maillog"
        return path.read_text(errors="replace") if path.exists() else "(no log)"

    def wait_for_notices(
        self, count: int, address: str = BOUNCE_ADDRESS, limit: float = 90.0
    ) -> list[bytes]:
        """The messages of `address`'s Maildir once there are `count` (else fails, with the log)."""
        deadline = time.monotonic() + limit
        while True:
            found = _maildir_messages(self.maildir(address))
            if len(found) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len(found) >= count, f"{len(found)} of {count} notices; log:\n{self.log()}"
        return found


def why_postfix_cannot_run() -> str | None:
    if not POSTFIX.exists():
        return f"{POSTFIX} is not installed (apt-get install postfix; .ci/run does)"
    if os.geteuid() != 0:
        return "Postfix's master must start as root; the tests are not running as root"
    try:
        pwd.getpwnam("postfix")
    except KeyError:
        return "there is no 'postfix' user (Debian's postfix package creates it)"
    return None


@contextmanager
def running_postfix() -> Iterator[RunningPostfix]:
    # Not under pytest's tmp_path: its parent is private to root, and Postfix's own processes
    # (user postfix) must reach the queue.
    root = Path(tempfile.mkdtemp(prefix="missive-postfix-"))
    root.chmod(0o755)
    port = _free_port()
    try:
        _configure(root, port)
        _postfix(root, "start")
        try:
            _wait_listening(port, root)
            yield RunningPostfix(root=root, port=port)
        finally:
            _stop(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _configure(root: Path, port: int) -> None:
    etc = root / "etc"
    for folder in ("etc", "spool", "data", "mail"):
        (root / folder).mkdir()
    nobody = pwd.getpwnam("nobody")
    postfix = pwd.getpwnam("postfix")
    os.chown(root / "data", postfix.pw_uid, postfix.pw_gid)
    os.chown(root / "mail", nobody.pw_uid, nobody.pw_gid)
    (etc / "master.cf").write_text(MASTER_CF.format(port=port))
    (etc / "main.cf").write_text(
        MAIN_CF.format(
            root=root,
            bounce_domain=BOUNCE_DOMAIN,
            recipient_domain=RECIPIENT_DOMAIN,
            uid=nobody.pw_uid,
            gid=nobody.pw_gid,
        )
    )
    (etc / "mailboxes").write_text(
        f"{BOUNCE_ADDRESS} {BOUNCE_DOMAIN}/bounces/\n"
        f"{SECRETARIAT} {BOUNCE_DOMAIN}/secretariat/\n"
        + "".join(
            f"{user}@{RECIPIENT_DOMAIN} {RECIPIENT_DOMAIN}/{user}/\n"
            for user in ("ana", "john", "sam", "office", "dean")
        )
    )
    (etc / "transport").write_text(f"{SLOW_DOMAIN} retry:4.4.1 remote server not answering\n")


def _postfix(root: Path, command: str) -> None:
    done = subprocess.run(
        [str(POSTFIX), "-c", str(root / "etc"), command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        log = (root / "maillog").read_text(errors="replace") if (root / "maillog").exists() else ""
        raise RuntimeError(f"postfix {command} failed: {done.stdout}{done.stderr}\n{log}")


def _stop(root: Path) -> None:
    pid_file = root / "spool" / "pid" / "master.pid"
    pid = int(pid_file.read_text().split()[0]) if pid_file.exists() else None
    try:
        _postfix(root, "stop")
    finally:
        if pid is not None:
            _wait_gone(pid)


def _wait_gone(pid: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)  # our own master, by its pid, if it would not stop


def _wait_listening(port: int, root: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Postfix did not listen on port {port}:\n{(root / 'maillog').read_text()}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _maildir_messages(folder: Path) -> list[bytes]:
    if not (folder / "new").is_dir():
        return []
    box = mailbox.Maildir(folder, create=False)
    return [box.get_bytes(key) for key in sorted(box.keys())]
