"""`flask jobs worker|cleanup` and `flask serve` (the web server and the job worker together)."""

import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext
from flask_babel import gettext as _


@click.group("jobs")
def jobs_group() -> None:
    """The background jobs: imports and large exports."""


@jobs_group.command("worker")
@click.option("--workers", "-w", default=2, show_default=True,
              help="Jobs run at the same time (one process each).")
@with_appcontext
def worker(workers: int) -> None:
    """Take jobs from the queue and run them (each in a child with its own limits)."""
    from huey.consumer_options import ConsumerConfig

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxied app
    huey = app.extensions["huey"]
    config = ConsumerConfig(workers=workers, worker_type="process", periodic=True)
    config.setup_logger()
    click.echo(_("Job worker: %(workers)d at a time, queue %(queue)s.", workers=workers,
                 queue=app.config["HUEY_REDIS_URL"] or huey.storage.filename))
    huey.create_consumer(**config.values).run()


@jobs_group.command("cleanup")
@with_appcontext
def cleanup_command() -> None:
    """Forget expired jobs and their files now (the worker does it every ten minutes)."""
    from coalition.jobs.runner import cleanup

    click.echo(_("Expired jobs removed: %(count)d.", count=cleanup(current_app)))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", "-w", default=1, show_default=True,
              help="Jobs run at the same time.")
@with_appcontext
def serve(host: str, port: int, workers: int) -> None:
    """Start the job worker and the web server together (for one machine; see Production)."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxied app
    info = click.get_current_context().find_object(ScriptInfo)
    target = (info and info.app_import_path) or "app"
    worker_process = subprocess.Popen([sys.executable, "-m", "flask", "--app", target,
                                       "jobs", "worker", "--workers", str(workers)])
    click.echo(_("Sign in at %(url)s (job worker: process %(pid)d).",
                 url=f"http://{host}:{port}/login", pid=worker_process.pid))

    def stop(*_args) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        run_simple(host, port, app, threaded=True)
    except KeyboardInterrupt:
        pass
    finally:
        worker_process.send_signal(signal.SIGINT)
        try:
            worker_process.wait(15)
        except subprocess.TimeoutExpired:
            worker_process.kill()
