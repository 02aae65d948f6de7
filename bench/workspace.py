"""Benchmark of the workspace at the size of a real list: `serve` and `worker` under 20 users.

    .venv/bin/python bench/workspace.py [--count 30000] [--users 20] [--before DIR]
        [--after-seconds 30] [--timeout 30] [--repeat 1] [--quiet] [--json FILE]

A recipients list of --count rows is GENERATED from the sample list (rows cycled over the
six languages, ids and addresses made unique: the sample's shape) and the sample letter is
served from a copy of the project's data with that list. For each code under test (this
checkout, "now"; and with --before, another checkout of missive, e.g. a worktree of main at
the commit before a change, run with this venv's Python), in turns:

  render    `send.py render LETTER --jobs 2` on the same list, timed from start to exit,
            with the peak RSS of its process tree (this also warms the start-up cache that
            the workspace then uses, as a secretariat's machine would have it)
  quiet     (with --quiet, for this checkout only) `send.py serve` alone with a journal
            of its own, one session asking for the render's state every 0.5 s: the
            workspace's renderer timed from t = 0 to `done` with nobody at work (it runs
            at niceness 10, so it yields to whatever else runs; here, only to processes
            other than the workspace's)
  serve     `send.py serve` and `send.py worker` on loopback, started together (t = 0);
            --users people log in (two reviewers per language, the rest operators) and
            each repeats, with a pause of 0.2-1.0 s: GET /api/v1/letters, GET /login and a
            stored page image (the first page of the first letter of a language);
            reviewers also open the review page of their language until it shows a page;
            operators also GET /api/v1/letters/{key}. One more session watches
            GET /api/v1/letters/{key}: its "render" progress if the code reports one, else
            the batch is rendered when that request first answers. The users go on for
            --after-seconds once the batch is rendered.

It reports, in one table: time from t = 0 to the first reviewable page of each language
(the review page answers with a page image, and the image loads); p50 and p99 of each timed
request while the batch renders and after (a request that waits longer than --timeout
counts as a timeout, and a percentile that falls among them is shown as "> timeout"; a page
image the server says is not rendered yet is counted apart, not timed); peak RSS of `serve`
and of the worker (each process alone, and with its children), and the PSS of the
renderer's and of `render`'s process trees (a page shared by forks counted once); the
batch's render throughput in the workspace against `render --jobs 2`, by the wall clock
(with the users, and alone with --quiet) and per processor second (letters over the CPU
seconds of the renderer's process tree until `done`, against those of `render`'s tree);
the load average (1 min) during each phase; the web process's processor time per request
after the render; and the 5xx answers and timeouts.

The users' timed GETs go over a keep-alive connection each (`Browser`, a few lines of
asyncio): the users run on the machine they measure, and httpx cost this process about as
much processor time per request as the web server spent answering it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.render import generate_recipients  # noqa: E402

KEY = "wsis20-invitation"
LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
PASSWORD = "a long enough bench password"
SECRET = "a bench session secret of more than 32 characters"
TIMED = ("GET /api/v1/letters", "GET /login", "GET page image")
PHASES = ("rendering", "after")
THINK = (0.2, 1.0)  # seconds between a user's requests
MONITOR_EVERY = 0.5
PSS_EVERY = 5  # samples of RSS (0.2 s apart) for one of PSS


# --- measurements ---------------------------------------------------------------------


@dataclass
class Sample:
    what: str
    at: float  # seconds since t = 0, when the request was sent
    seconds: float | None  # None: timed out
    status: int | None


@dataclass
class Peak:
    own: int = 0  # bytes, the process alone
    children: int = 0  # bytes, its children and theirs (serve's renderer, a render's pool)
    tree: int = 0  # bytes, all of them
    # PSS (proportional set size): a page shared by n processes counts 1/n in each, so the
    # sum over a tree of forks is what the tree holds (RSS counts shared pages n times).
    children_pss: int = 0
    tree_pss: int = 0
    cpu: dict[int, float] = field(default_factory=dict)  # seconds of CPU, by process

    def cpu_of(self, pid: int) -> float:
        return self.cpu.get(pid, 0.0)

    def show(self) -> str:
        return f"{self.own / 2**20:.0f} MB"

    def show_children(self) -> str:
        return f"{self.children / 2**20:.0f} MB"


@dataclass
class RenderClock:
    started: float | None = None
    finished: float | None = None
    total: int = 0
    reported: bool = False  # the code reports its render's progress (else: inferred)
    states: list[tuple[float, str, int, int]] = field(default_factory=list)


@dataclass
class Run:
    label: str
    count: int
    render_seconds: float = 0.0
    render_peak: Peak = field(default_factory=Peak)
    samples: list[Sample] = field(default_factory=list)
    first_page: dict[str, float] = field(default_factory=dict)
    clock: RenderClock = field(default_factory=RenderClock)
    serve_peak: Peak = field(default_factory=Peak)
    worker_peak: Peak = field(default_factory=Peak)
    not_rendered_yet: int = 0
    errors: list[str] = field(default_factory=list)
    serve_pid: int = 0
    bench_cpu: float = 0.0  # this process's CPU seconds while the users ran
    renderer_cpu: float | None = None  # CPU seconds of serve's renderer tree when done
    web_requests: int = 0  # requests the web process answered (timed or not)
    web_at_done: tuple[float, int] | None = None  # its CPU seconds and requests, at done
    web_at_end: tuple[float, int] | None = None
    # Load average (1 min) sampled during each phase: render --jobs 2, quiet, with users.
    loads: dict[str, list[float]] = field(default_factory=dict)
    quiet: QuietRender | None = None


@dataclass
class QuietRender:
    """The workspace's renderer with nobody at work: serve started, one session watching."""

    seconds: float | None = None  # from starting serve to the state `done`
    total: int = 0
    renderer_cpu: float | None = None


def rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as stream:
            return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of the process so far."""
    try:
        with open(f"/proc/{pid}/stat") as stream:
            fields = stream.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def tree_pids(pid: int) -> list[int]:
    return [pid, *(p for child in children(pid) for p in tree_pids(child))]


def children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as stream:
                found.extend(int(p) for p in stream.read().split())
        except OSError:
            continue
    return found


def pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as stream:
            for line in stream:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_rss(pid: int) -> int:
    return rss(pid) + sum(tree_rss(child) for child in children(pid))


def renderer_cpu(serve_pid: int, peak: Peak) -> float:
    """CPU seconds of serve's children and theirs (the renderer, its render processes)
    so far: those alive read now, those gone as last sampled."""
    seen = dict(peak.cpu)
    for pid in tree_pids(serve_pid):
        seen[pid] = max(seen.get(pid, 0.0), cpu_seconds(pid))
    return sum(cpu for pid, cpu in seen.items() if pid != serve_pid)


@contextmanager
def watching(
    peaks: dict[int, Peak], every: float = 0.2, loads: list[float] | None = None
) -> Iterator[None]:
    """Sample the RSS of each watched process (alone and with children) until the end,
    and the machine's load average (1 min) into `loads`."""
    stop = threading.Event()
    turns = 0

    def sample() -> None:
        nonlocal turns
        while not stop.wait(every):
            turns += 1
            if loads is not None:
                loads.append(os.getloadavg()[0])
            for pid, peak in list(peaks.items()):
                for member in tree_pids(pid):
                    peak.cpu[member] = max(peak.cpu.get(member, 0.0), cpu_seconds(member))
                own = rss(pid)
                below = sum(tree_rss(child) for child in children(pid))
                peak.own = max(peak.own, own)
                peak.children = max(peak.children, below)
                peak.tree = max(peak.tree, own + below)
                if turns % PSS_EVERY:
                    continue  # the kernel walks every mapping for it: once a second
                shares = {member: pss(member) for member in tree_pids(pid)}
                peak.tree_pss = max(peak.tree_pss, sum(shares.values()))
                peak.children_pss = max(peak.children_pss, sum(shares.values()) - shares[pid])

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# --- the project and the processes -----------------------------------------------------


def prepare(code: Path, work: Path, count: int) -> Path:
    """A copy of `code`'s project data, its sample letter alone, with a generated list."""
    project = work / "project"
    for folder in ("letters", "templates", "signatories", "recipients"):
        shutil.copytree(code / folder, project / folder)
    for other in (project / "letters").glob("*.yaml"):
        if other.stem != KEY:
            other.unlink()
    sample = project / "recipients" / "wsis20-stakeholders.csv"
    generated = work / "generated.csv"
    generate_recipients(sample, generated, count)
    os.replace(generated, sample)
    return project


def send_py(code: Path, *argv: str) -> list[str]:
    return [sys.executable, str(code / "send.py"), *argv]


def environment(work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MISSIVE_CACHE_DIR": str(work / "cache"),
        "MISSIVE_SESSION_SECRET": SECRET,
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def add_users(
    code: Path, journal: Path, users: list[tuple[str, str, str]], env: dict[str, str]
) -> None:
    for name, role, language in users:
        argv = ["users", "add", name, "--role", role, "--journal", str(journal), "--password-stdin"]
        if language:
            argv += ["--languages", language]
        subprocess.run(
            send_py(code, *argv),
            input=PASSWORD + "\n",
            text=True,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=journal.parent,
        )


def people(count: int) -> list[tuple[str, str, str]]:
    """(name, role, language): two reviewers per language, then operators."""
    reviewers = [(f"rev-{lang}-{n}", "reviewer", lang) for n in (1, 2) for lang in LANGUAGES]
    operators = [(f"op-{n}", "operator", "") for n in range(1, count - len(reviewers) + 1)]
    return (reviewers + operators)[:count]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def started(
    argv: list[str], log: Path, env: dict[str, str], cwd: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        child = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True
        )
        try:
            yield child
        finally:
            stop(child)


def stop(child: subprocess.Popen[bytes]) -> None:
    """End the process and every child it started (its own process group)."""
    if child.poll() is None:
        try:
            os.killpg(child.pid, signal.SIGTERM)
            child.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def time_render(code: Path, project: Path, work: Path, run: Run) -> None:
    out = work / "render-out"
    argv = send_py(
        code, "render", str(project / "letters" / f"{KEY}.yaml"), "--out", str(out), "--jobs", "2"
    )
    peaks: dict[int, Peak] = {}
    begun = time.perf_counter()
    with (work / "render.log").open("wb") as log:
        child = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, env=environment(work), cwd=project
        )
        peaks[child.pid] = run.render_peak
        with watching(peaks, loads=run.loads.setdefault("render", [])):
            code_ = child.wait()
    run.render_seconds = time.perf_counter() - begun
    if code_ != 0:
        raise SystemExit(f"render failed: {(work / 'render.log').read_text()[-2000:]}")
    shutil.rmtree(out, ignore_errors=True)


# --- the users ----------------------------------------------------------------------------


@dataclass
class Reply:
    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


class Browser:
    """One person's keep-alive HTTP/1.1 connection, for the timed GETs. The users run on
    the machine they measure: httpx spent about 3 ms of this process's processor time a
    request (as much as the web server), which the renderer, at niceness 10, yielded to."""

    def __init__(self, base: str, cookies: str) -> None:
        address = base.removeprefix("http://")
        self.host, port = address.rsplit(":", 1)
        self.port = int(port)
        self.cookies = cookies
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str, timeout: float) -> Reply:
        try:
            return await asyncio.wait_for(self._get(path), timeout)
        except BaseException:
            self.close()  # a reply may still come: this connection is done
            raise

    async def _get(self, path: str) -> Reply:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Cookie: {self.cookies}\r\n\r\n"
        )
        writer.write(request.encode("latin-1"))
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = await _chunked(reader)
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Reply(int(head[0].split(" ", 2)[1]), headers, body)

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    body = b""
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        body += await reader.readexactly(size)
        await reader.readexactly(2)
    await reader.readuntil(b"\r\n")
    return body


class Bench:
    def __init__(
        self, base: str, run: Run, t0: float, timeout: float, first_ids: dict[str, str]
    ) -> None:
        self.base = base
        self.run = run
        self.t0 = t0
        self.timeout = timeout
        self.first_ids = first_ids
        self.rendered = asyncio.Event()
        self.stop = asyncio.Event()
        self.peak = run.serve_peak

    def now(self) -> float:
        return time.perf_counter() - self.t0

    async def request(self, client: Browser, what: str, url: str) -> Reply | None:
        sent = self.now()
        self.run.web_requests += 1
        try:
            reply = await client.get(url, timeout=self.timeout)
        except TimeoutError:
            self.run.samples.append(Sample(what, sent, None, None))
            return None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            self.run.errors.append(f"{what}: {type(error).__name__}: {error}")
            self.run.samples.append(Sample(what, sent, None, None))
            return None
        seconds = self.now() - sent
        if what == "GET page image" and reply.status_code in (404, 409, 425, 503):
            self.run.not_rendered_yet += 1
            return reply
        self.run.samples.append(Sample(what, sent, seconds, reply.status_code))
        return reply

    async def log_in(self, name: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=self.base)
        for _ in range(3):
            try:
                reply = await client.post(
                    "/api/v1/session", json={"username": name, "password": PASSWORD}, timeout=600
                )
            except httpx.TimeoutException:
                continue
            if reply.status_code == 200:
                return client
            raise SystemExit(f"{name} could not log in: {reply.status_code} {reply.text[:300]}")
        raise SystemExit(f"{name} could not log in: timeouts")

    async def browser(self, name: str) -> Browser:
        """A logged-in person's connection for the timed requests."""
        client = await self.log_in(name)
        cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        await client.aclose()
        return Browser(self.base, cookies)

    async def user(self, name: str, role: str, language: str, seed: int) -> None:
        client = await self.browser(name)
        rng = random.Random(seed)
        image_language = language or LANGUAGES[seed % len(LANGUAGES)]
        image = f"/letters/{KEY}/pages/{self.first_ids[image_language]}/1"
        steps = ["GET /api/v1/letters", "GET /login", "GET page image"]
        if role == "operator":
            steps.append("GET /api/v1/letters/{key}")
        probe = role == "reviewer" and name.endswith("-1")
        turn = rng.randrange(len(steps))
        try:
            while not self.stop.is_set():
                if probe and language not in self.run.first_page:
                    await self.review(client, language)
                else:
                    what = steps[turn % len(steps)]
                    turn += 1
                    url = {
                        "GET /api/v1/letters": "/api/v1/letters",
                        "GET /login": "/login",
                        "GET page image": image,
                        "GET /api/v1/letters/{key}": f"/api/v1/letters/{KEY}",
                    }[what]
                    await self.request(client, what, url)
                with suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), rng.uniform(*THINK))
        finally:
            client.close()

    async def review(self, client: Browser, language: str) -> None:
        """The review page of `language`, and its page image once it shows one."""
        reply = await self.request(client, "GET review page", f"/letters/{KEY}/review/{language}")
        if reply is None or reply.status_code != 200 or 'id="page-image"' not in reply.text:
            return
        start = reply.text.index('id="page-image"')
        src = reply.text[start:].split('src="', 1)[1].split('"', 1)[0]
        image = await self.request(client, "GET page image", src)
        if (
            image is not None
            and image.status_code == 200
            and image.headers.get("content-type", "").startswith("image/")
        ):
            self.run.first_page[language] = self.now()

    async def monitor(self, name: str) -> None:
        """Watch GET /api/v1/letters/{key}: the render's progress, or its first answer."""
        client = await self.log_in(name)
        clock = self.run.clock
        try:
            while not self.stop.is_set():
                asked = self.now()
                self.run.web_requests += 1
                try:
                    reply = await client.get(f"/api/v1/letters/{KEY}", timeout=3600)
                except httpx.HTTPError as error:
                    self.run.errors.append(f"monitor: {type(error).__name__}: {error}")
                    await asyncio.sleep(MONITOR_EVERY)
                    continue
                answered = self.now()
                body = reply.json() if reply.status_code == 200 else {}
                render = body.get("render")
                if isinstance(render, dict):
                    clock.reported = True
                    state, done, total = (
                        render.get("state"),
                        render.get("done", 0),
                        render.get("total", 0),
                    )
                    clock.states.append((answered, str(state), int(done), int(total)))
                    clock.total = int(total)
                    # The renderer starts with serve: its render is timed from t = 0, its
                    # list's validation included, as `render`'s own is.
                    clock.started = 0.0
                    if state == "done" and not self.rendered.is_set():
                        clock.finished = answered
                        self.run.renderer_cpu = renderer_cpu(self.run.serve_pid, self.peak)
                        self.run.web_at_done = (
                            cpu_seconds(self.run.serve_pid),
                            self.run.web_requests,
                        )
                        self.rendered.set()
                elif reply.status_code == 200 and not self.rendered.is_set():
                    # Rendered inside this very request: it is the whole render.
                    clock.started, clock.finished = asked, answered
                    clock.total = int(body.get("recipients", 0))
                    self.rendered.set()
                await asyncio.sleep(MONITOR_EVERY)
        finally:
            await client.aclose()


async def drive(
    base: str, run: Run, t0: float, args: argparse.Namespace, first_ids: dict[str, str]
) -> None:
    bench = Bench(base, run, t0, args.timeout, first_ids)
    tasks = [asyncio.create_task(bench.monitor("monitor"))]
    for index, (name, role, language) in enumerate(people(args.users)):
        tasks.append(asyncio.create_task(bench.user(name, role, language, index)))
    limit = args.render_limit
    rendered = asyncio.create_task(bench.rendered.wait())
    await asyncio.wait([rendered, *tasks], timeout=limit, return_when=asyncio.FIRST_COMPLETED)
    if not bench.rendered.is_set():
        rendered.cancel()
        run.errors.append(f"the batch was not rendered within {limit} s (or a user failed)")
    if bench.rendered.is_set():
        deadline = time.perf_counter() + args.after_seconds
        while time.perf_counter() < deadline and len(run.first_page) < len(LANGUAGES):
            await asyncio.sleep(0.5)
        await asyncio.sleep(max(0.0, deadline - time.perf_counter()))
    bench.stop.set()
    done, _ = await asyncio.wait(tasks, timeout=args.timeout + 30)
    for task in done:
        if task.exception() is not None:
            run.errors.append(f"a user failed: {task.exception()!r}")


def wait_up(base: str, child: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(600):
        if child.poll() is not None:
            raise SystemExit(f"serve ended: {log.read_text()[-2000:]}")
        try:
            httpx.get(f"{base}/login", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("serve did not answer within 60 s")


def first_ids(project: Path) -> dict[str, str]:
    import csv

    found: dict[str, str] = {}
    with (project / "recipients" / "wsis20-stakeholders.csv").open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            found.setdefault(row["language"], row["id"])
            if len(found) == len(LANGUAGES):
                break
    return found


def measure(label: str, code: Path, args: argparse.Namespace) -> Run:
    run = Run(label, args.count)
    with tempfile.TemporaryDirectory(prefix=f"bench-workspace-{label}-") as temporary:
        work = Path(temporary)
        project = prepare(code, work, args.count)
        print(f"[{label}] render --jobs 2 of {args.count} letters ...", flush=True)
        time_render(code, project, work, run)
        print(f"[{label}]   {run.render_seconds:.1f} s", flush=True)
        env = environment(work)
        if args.quiet and label == "now":
            print(f"[{label}] serve alone, one session watching the render ...", flush=True)
            run.quiet = quiet_render(code, project, work, run, args)
            print(f"[{label}]   {run.quiet.seconds or 0:.1f} s", flush=True)
        journal = project / "out" / "journal.sqlite"
        journal.parent.mkdir()
        add_users(code, journal, [*people(args.users), ("monitor", "secretariat", "")], env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        serve_argv = serve_command(code, project, journal, port)
        worker_argv = send_py(code, "worker", "--journal", str(journal), "--poll", "1")
        print(f"[{label}] serve + worker, {args.users} users ...", flush=True)
        t0 = time.perf_counter()
        with (
            started(serve_argv, work / "serve.log", env, project) as serve,
            started(worker_argv, work / "worker.log", env, project) as worker,
        ):
            peaks = {serve.pid: run.serve_peak, worker.pid: run.worker_peak}
            run.serve_pid = serve.pid
            with watching(peaks, loads=run.loads.setdefault("workspace", [])):
                wait_up(base, serve, work / "serve.log")
                before = time.process_time()
                asyncio.run(drive(base, run, t0, args, first_ids(project)))
                run.bench_cpu = time.process_time() - before
                run.web_at_end = (cpu_seconds(serve.pid), run.web_requests)
        if args.keep_logs:
            for name in ("serve.log", "worker.log", "render.log"):
                shutil.copyfile(work / name, Path(args.keep_logs) / f"{label}-{name}")
    return run


def serve_command(code: Path, project: Path, journal: Path, port: int) -> list[str]:
    letters = str(project / "letters")
    return send_py(
        code, "serve", "--journal", str(journal), "--letters", letters, "--port", str(port)
    )


def quiet_render(
    code: Path, project: Path, work: Path, run: Run, args: argparse.Namespace
) -> QuietRender:
    """The workspace's renderer with nobody at work (a journal of its own): serve started
    at t = 0, one session asking for the render's state every 0.5 s until it is done."""
    quiet = QuietRender()
    journal = project / "out-quiet" / "journal.sqlite"
    journal.parent.mkdir()
    env = environment(work)
    add_users(code, journal, [("monitor", "secretariat", "")], env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    peak = Peak()
    t0 = time.perf_counter()
    argv = serve_command(code, project, journal, port)
    with (
        started(argv, work / "serve-quiet.log", env, project) as serve,
        watching({serve.pid: peak}, loads=run.loads.setdefault("quiet", [])),
    ):
        wait_up(base, serve, work / "serve-quiet.log")
        with httpx.Client(base_url=base) as client:
            login = {"username": "monitor", "password": PASSWORD}
            client.post("/api/v1/session", json=login, timeout=600).raise_for_status()
            while time.perf_counter() - t0 < args.render_limit:
                render = client.get(f"/api/v1/letters/{KEY}", timeout=600).json()["render"]
                if render["state"] == "done":
                    quiet.seconds = time.perf_counter() - t0
                    quiet.total = int(render["total"])
                    quiet.renderer_cpu = renderer_cpu(serve.pid, peak)
                    break
                time.sleep(MONITOR_EVERY)
    return quiet


# --- the table ------------------------------------------------------------------------------


def percentile(values: list[float | None], fraction: float) -> float | None:
    """Nearest-rank percentile; None (a timeout) sorts last."""
    ordered = sorted(values, key=lambda v: float("inf") if v is None else v)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


def phase_of(run: Run, sample: Sample) -> str:
    finished = run.clock.finished
    return "after" if finished is not None and sample.at >= finished else "rendering"


def latency(run: Run, what: str, phase: str, timeout: float) -> str:
    values = [s.seconds for s in run.samples if s.what == what and phase_of(run, s) == phase]
    if not values:
        return "-"

    def show(value: float | None) -> str:
        return f"> {timeout:.0f} s" if value is None else f"{value * 1000:.0f} ms"

    return f"{show(percentile(values, 0.5))} / {show(percentile(values, 0.99))} (n={len(values)})"


def render_span(run: Run) -> float | None:
    """Seconds the workspace took to render the batch, if it did."""
    clock = run.clock
    if clock.started is None or clock.finished is None or clock.finished <= clock.started:
        return None
    return clock.finished - clock.started


def throughput(run: Run) -> tuple[float | None, float]:
    command = run.count / run.render_seconds if run.render_seconds else 0.0
    span = render_span(run)
    return (None if span is None else run.clock.total / span), command


def rows(run: Run, timeout: float) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for language in LANGUAGES:
        at = run.first_page.get(language)
        found.append(
            (f"first reviewable page, {language}", f"{at:.1f} s" if at is not None else "never")
        )
    for what in TIMED:
        for phase in PHASES:
            found.append((f"{what} p50 / p99, {phase}", latency(run, what, phase, timeout)))
    found.append(("peak RSS, serve (the web process)", run.serve_peak.show()))
    found.append(("peak RSS, processes serve started (renderer)", run.serve_peak.show_children()))
    found.append(("peak RSS, worker (with children)", f"{run.worker_peak.tree / 2**20:.0f} MB"))
    serve = run.serve_peak
    web = serve.cpu_of(run.serve_pid)
    found.append(
        (
            "CPU seconds: serve's web process / its renderer / the bench's users",
            f"{web:.1f} / {sum(serve.cpu.values()) - web:.1f} / {run.bench_cpu:.1f}",
        )
    )
    found.append(
        ("peak RSS, `render --jobs 2` (process tree)", f"{run.render_peak.tree / 2**20:.0f} MB")
    )
    found.append(
        (
            "peak PSS: renderer (serve's children) / `render --jobs 2` (process tree)",
            f"{run.serve_peak.children_pss / 2**20:.0f}"
            f" / {run.render_peak.tree_pss / 2**20:.0f} MB",
        )
    )
    found.extend(render_rows(run))
    errors = [s for s in run.samples if s.status is not None and s.status >= 500]
    timeouts = [s for s in run.samples if s.seconds is None]
    found.append(
        (
            "5xx answers / timeouts",
            f"{len(errors)} / {len(timeouts)} of {len(run.samples)} requests",
        )
    )
    found.append(("page images not rendered yet (not timed)", str(run.not_rendered_yet)))
    return found


def load_range(values: list[float] | None) -> str:
    return f"{min(values):.1f}-{max(values):.1f}" if values else "-"


def render_rows(run: Run) -> list[tuple[str, str]]:
    """Throughput by the wall clock and by processor time, and the machine's load."""
    loads = " / ".join(load_range(run.loads.get(p)) for p in ("render", "quiet", "workspace"))
    rate, command = throughput(run)
    span = render_span(run)
    command_cpu = sum(run.render_peak.cpu.values())
    quiet = run.quiet
    alone = quiet.total / quiet.seconds if quiet and quiet.seconds else None
    found = [
        ("load average (1 min): `render --jobs 2` / workspace alone / with users", loads),
        ("render throughput, workspace with users", _rate(rate, span)),
        ("render throughput, workspace alone", _rate(alone, quiet.seconds if quiet else None)),
        ("render throughput, `render --jobs 2`", _rate(command, run.render_seconds)),
        (
            "workspace / `render --jobs 2`, wall: with users / alone",
            f"{_ratio(rate, command)} / {_ratio(alone, command)}",
        ),
    ]
    per_cpu = run.clock.total / run.renderer_cpu if run.renderer_cpu else None
    alone_cpu = quiet.total / quiet.renderer_cpu if quiet and quiet.renderer_cpu else None
    command_per_cpu = run.count / command_cpu if command_cpu else None
    cpus = [run.renderer_cpu, quiet.renderer_cpu if quiet else None, command_cpu]
    found.append(
        (
            "CPU seconds to done: renderer with users / alone / `render --jobs 2` (trees)",
            " / ".join("-" if c is None else f"{c:.1f}" for c in cpus),
        )
    )
    found.append(
        (
            "letters per CPU second: workspace with users / alone / `render --jobs 2`",
            " / ".join(
                "-" if r is None else f"{r:.1f}" for r in (per_cpu, alone_cpu, command_per_cpu)
            ),
        )
    )
    found.append(
        (
            "workspace / `render --jobs 2`, per CPU second: with users / alone",
            f"{_ratio(per_cpu, command_per_cpu)} / {_ratio(alone_cpu, command_per_cpu)}",
        )
    )
    found.append(("web process CPU per request, after the render", _web_per_request(run)))
    return found


def _rate(rate: float | None, seconds: float | None) -> str:
    return "-" if rate is None or seconds is None else f"{rate:.1f} letters/s ({seconds:.1f} s)"


def _ratio(part: float | None, whole: float | None) -> str:
    return "-" if part is None or not whole else f"{100 * part / whole:.0f} %"


def _web_per_request(run: Run) -> str:
    if run.web_at_done is None or run.web_at_end is None:
        return "-"
    requests = run.web_at_end[1] - run.web_at_done[1]
    seconds = run.web_at_end[0] - run.web_at_done[0]
    return f"{1000 * seconds / requests:.2f} ms ({requests} requests)" if requests else "-"


def table(runs: list[Run], timeout: float) -> str:
    columns = [rows(run, timeout) for run in runs]
    header = "| measure | " + " | ".join(f"{r.label} ({r.count:,} recipients)" for r in runs) + " |"
    lines = [header, "| --- |" + " --- |" * len(runs)]
    for index, (name, _) in enumerate(columns[0]):
        lines.append(f"| {name} | " + " | ".join(column[index][1] for column in columns) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=30_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument(
        "--before", type=Path, help="another checkout of missive, for the 'before' column"
    )
    parser.add_argument(
        "--only-before", action="store_true", help="measure the --before checkout alone"
    )
    parser.add_argument("--after-seconds", type=float, default=30.0)
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="a user's request gives up after this"
    )
    parser.add_argument(
        "--render-limit", type=float, default=1800.0, help="give up on the render after this"
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="also time this checkout's render in the workspace with nobody at work",
    )
    parser.add_argument("--json", type=Path, help="also write every sample here")
    parser.add_argument("--keep-logs", type=Path, help="copy serve's and worker's logs here")
    args = parser.parse_args()
    # Stopped from outside: end the servers this bench started, as on Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    codes = [("now", ROOT)]
    if args.before is not None:
        before = ("before", args.before.resolve())
        codes = [before] if args.only_before else [before, *codes]
    runs: list[Run] = []
    for _ in range(args.repeat):
        for label, code in codes:  # in turns: a change in the machine's speed weighs on both
            runs.append(measure(label, code, args))
    print()
    print(table(runs, args.timeout))
    for run in runs:
        for error in run.errors[:10]:
            print(f"[{run.label}] {error}")
    if args.json:
        args.json.write_text(json.dumps([_portable(run) for run in runs], indent=1))


def _portable(run: Run) -> dict[str, Any]:
    return {
        "label": run.label,
        "count": run.count,
        "render_seconds": run.render_seconds,
        "render_peak": {k: v for k, v in vars(run.render_peak).items() if k != "cpu"},
        "serve_peak": {k: v for k, v in vars(run.serve_peak).items() if k != "cpu"},
        "worker_peak": {k: v for k, v in vars(run.worker_peak).items() if k != "cpu"},
        "first_page": run.first_page,
        "clock": {k: v for k, v in vars(run.clock).items()},
        "samples": [vars(s) for s in run.samples],
        "errors": run.errors,
        "table": rows(run, 0),
    }


if __name__ == "__main__":
    main()
