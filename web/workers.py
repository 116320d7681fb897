"""`python app.py --workers N`: N worker processes behind one port, each client address always on one worker.

Why not uvicorn's own `--workers`: its workers share the listening socket, so any connection may reach any
worker. The API does not mind (its state is in the database), but Gradio keeps a browser session's queue
in the worker that took its first request: `queue/join` on one worker and `queue/data` on another never
meet, and the chat hangs. So this parent process accepts each connection and hands the connected socket
(its file descriptor, over a Unix socket) to the worker chosen by the client's address, as nginx's
`ip_hash` would. The worker serves it with uvicorn's own HTTP protocol, and sees the real client address
(rate limits and login lockout count the right client).

Everything the workers must agree on lives in the shared database (POLICYBOT_DATABASE_URL: query log,
feedback tokens, rate limits, login failures) or on disk (the index's `current` build, which each
worker's IndexWatcher follows). Replicas on several machines behind a load balancer work the same way,
given the same database, data and index folders, and sticky sessions by client address in the balancer.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)
_ROOT = Path(__file__).resolve().parent.parent
READY = b"R"
START_TIMEOUT_S = 600.0  # a worker that must build the index first can take minutes on a big corpus


@dataclass
class Worker:
    number: int
    process: subprocess.Popen
    channel: socket.socket  # the parent's end of the worker's socketpair
    ready: bool = False
    started_at: float = field(default_factory=time.monotonic)


def worker_for(client_host: str, count: int) -> int:
    """The same client address always goes to the same worker (while all of them are up)."""
    return zlib.crc32(client_host.encode()) % count


def _spawn(number: int) -> Worker:
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    process = subprocess.Popen(
        [sys.executable, "-m", "web.workers", str(child.fileno()), str(number)],
        cwd=_ROOT,
        pass_fds=(child.fileno(),),
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))},
    )
    child.close()
    return Worker(number, process, parent)


def serve_workers(host: str, port: int, count: int, on_ready=None) -> int:  # noqa: ANN001
    """Run `count` workers behind host:port until SIGINT / SIGTERM; returns an exit code."""
    listener = socket.create_server((host, port), backlog=2048)
    # The first worker loads (or builds) the index alone: started together, each would build its own.
    workers = [_spawn(0)]
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True
        listener.close()  # wakes up accept()

    signal.signal(signal.SIGTERM, stop)
    try:
        if not _wait_ready(workers):
            print("error: a worker did not start (see its messages above)", file=sys.stderr)
            return 2
        workers += [_spawn(i) for i in range(1, count)]
        if not _wait_ready(workers[1:]):
            print("error: a worker did not start (see its messages above)", file=sys.stderr)
            return 2
        if on_ready is not None:
            on_ready()
        while not stopping:
            try:
                connection, address = listener.accept()
            except OSError:
                break
            with connection:
                _hand_over(workers, connection, address[0])
    except KeyboardInterrupt:
        pass
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.terminate()
        for worker in workers:
            try:
                worker.process.wait(20)
            except subprocess.TimeoutExpired:
                worker.process.kill()
    return 0


def _wait_ready(workers: list[Worker]) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    for worker in workers:
        worker.channel.settimeout(max(1.0, deadline - time.monotonic()))
        try:
            worker.ready = worker.channel.recv(1) == READY
        except OSError:
            worker.ready = False
        worker.channel.settimeout(None)
        if not worker.ready:
            return False
    return True


def _hand_over(workers: list[Worker], connection: socket.socket, client: str) -> None:
    """Send the connected socket to the client's worker; a dead worker is restarted and its clients go to
    the next live one meanwhile (their Gradio sessions start again, the API does not notice)."""
    first = worker_for(client, len(workers))
    for step in range(len(workers)):
        worker = workers[(first + step) % len(workers)]
        if worker.process.poll() is not None:
            log.error("worker %d exited with %s; starting it again", worker.number, worker.process.returncode)
            worker.channel.close()
            workers[worker.number] = _spawn(worker.number)
            continue
        if not worker.ready:
            worker.ready = _poll_ready(worker)
            if not worker.ready:
                continue
        try:
            socket.send_fds(worker.channel, [b"c"], [connection.fileno()])
            return
        except OSError as exc:
            log.error("could not hand a connection to worker %d: %s", worker.number, exc)
    log.error("no worker is up: connection from %s dropped", client)


def _poll_ready(worker: Worker) -> bool:
    worker.channel.setblocking(False)
    try:
        return worker.channel.recv(1) == READY
    except BlockingIOError:
        return False
    finally:
        worker.channel.setblocking(True)


# --- the worker process -----------------------------------------------------------------------------------


def run_worker(channel_fd: int, number: int) -> int:
    """Load and warm the bot, serve the connections the parent hands over, until SIGTERM."""
    import uvicorn

    from core.config import load_settings
    from core.errors import PolicybotError
    from web.server import create_app, load_bot

    logging.basicConfig(level=logging.INFO, format=f"%(levelname)s: [worker {number} pid %(process)d] %(message)s")
    channel = socket.socket(fileno=channel_fd)
    settings = load_settings()
    try:
        app = create_app(load_bot(settings), settings)
    except PolicybotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    # uvicorn needs a listening socket to set up its protocol; this one is loopback-only and unused.
    placeholder = socket.create_server(("127.0.0.1", 0))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        serving = asyncio.create_task(server.serve(sockets=[placeholder]))
        while not server.started:
            if serving.done():
                await serving
                return
            await asyncio.sleep(0.02)
        factory = server.servers[0]._protocol_factory  # uvicorn's HTTP protocol, bound to this app and server

        def take() -> None:
            try:
                _, fds, _, _ = socket.recv_fds(channel, 16, 8)
            except OSError:
                fds = []
            if not fds:  # the parent is gone: finish the requests in flight, then stop
                loop.remove_reader(channel.fileno())
                server.should_exit = True
                return
            for fd in fds:
                connection = socket.socket(fileno=fd)
                connection.setblocking(False)
                loop.create_task(loop.connect_accepted_socket(factory, connection))

        loop.add_reader(channel.fileno(), take)
        channel.sendall(READY)
        log.info("worker %d ready", number)
        await serving

    asyncio.run(main())
    return 0


if __name__ == "__main__":
    sys.exit(run_worker(int(sys.argv[1]), int(sys.argv[2])))
