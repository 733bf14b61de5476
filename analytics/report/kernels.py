"""Warm kernels: each render worker keeps one ``python3`` kernel and runs notebook after notebook.

Starting a kernel and importing pandas, matplotlib and the package costs about 2 s, more than
most pages take to execute. A worker therefore starts one kernel, imports the package once
(``PREAMBLE``) and executes its notebooks in turn with papermill, passing papermill the running
kernel: the executed notebooks are ordinary papermill outputs (injected-parameters cell,
papermill metadata, the per-cell timeout), only the kernel is reused.

Between two notebooks the kernel's namespace is emptied (``%reset -f``), its working folder,
open figures and execution counter are reset (``RESET``), so a page sees only its own cells,
numbered from 1. Modules stay imported: that is the saving. With
``views.month_cache.keep_opened_months`` the month a page opened is reused by the next page of
the same month in that kernel (same arguments, same files), so its tables are computed once per
kernel. After anything other than an error inside a cell (a cell timed out, the kernel died) the
kernel is restarted before the next notebook, so one page's trouble never reaches another.
"""

from __future__ import annotations

import functools
import queue
import shutil
import tempfile
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

_KERNEL_SETUP = (
    "from matplotlib.figure import Figure as _F; "
    "get_ipython().display_formatter.formatters['text/plain'].for_type(_F, lambda f, p, c: p.text("
    "f.get_suptitle() or '; '.join(t for t in (a.get_title() for a in f.axes) if t) or repr(f))); "
    "del _F"
)
KERNEL_ARGUMENTS = (
    "--IPKernelApp.matplotlib=inline",  # figures are displayed even when MPLBACKEND=Agg
    "--HistoryManager.enabled=False",  # no shared sqlite history between parallel kernels
    "--log-level=ERROR",
    "--IPKernelApp.exec_lines=" + _KERNEL_SETUP,
)
#: imported once per kernel; a failure here is not fatal (a page then imports what it needs)
PREAMBLE = (
    "try:\n"
    "    import IPython.display, analytics.plots, analytics.views\n"
    "    analytics.views.month_cache.keep_opened_months(shared={shared!r})\n"
    "    analytics.plots.style.show_charts_as_drawn(get_ipython())\n"
    "except Exception:\n"
    "    pass\n"
    # what is imported now lives as long as the kernel: the cyclic collector need not walk it
    # again (``%reset`` between pages runs a full collection, 0.2-0.4 s each without this)
    "import gc as _gc\n"
    "_gc.freeze()\n"
    "del _gc\n"
)
RESET = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "import os as _os, matplotlib.pyplot as _plt\n"
    "_os.chdir({cwd!r}); _plt.close('all')\n"
    "del _os, _plt\n"
    "get_ipython().execution_count = 1\n"
)
START_ATTEMPTS = 3
START_TIMEOUT_S = 60
_START_FAILURES = ("Kernel died before replying to kernel_info", "Address already in use")


class WarmKernel:
    """One kernel, started on first use and reused for every notebook a worker runs."""

    def __init__(self, kernel_name: str, cwd: Path, shared: Path | None = None) -> None:
        self.kernel_name = kernel_name
        self.cwd = Path(cwd)
        self.shared = shared  #: where the render hands over the months it built
        self.km = None
        self.notebooks = 0  #: notebooks executed in this kernel (restarts included)
        self.lock = threading.Lock()

    def warm(self) -> None:
        """Start the kernel now (in a background thread), so it is ready when work arrives."""

        def start() -> None:
            with self.lock:
                try:
                    self._start()
                except Exception:  # noqa: S110 - ``execute`` starts it again and reports
                    self.shutdown()

        threading.Thread(target=start, name="warm-kernel", daemon=True).start()

    def execute(
        self, notebook: Path, output: Path, parameters: dict[str, Any], timeout_s: float
    ) -> Any:
        """Execute ``notebook`` with papermill in this kernel; the executed notebook node.

        Raises what papermill raises: ``PapermillExecutionError`` for an error in a cell (the
        kernel is kept), anything else (timeout, dead kernel) after restarting the kernel.
        """
        import papermill
        from papermill.exceptions import PapermillExecutionError

        with self.lock:  # a start begun by ``KernelPool.warm`` is finished first
            client = self._client()
        try:
            client.execute_interactive(
                RESET.format(cwd=str(self.cwd)),
                store_history=False,
                timeout=START_TIMEOUT_S,
                output_hook=_quiet,
            )
            self.notebooks += 1
            return papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=parameters,
                kernel_name=self.kernel_name,
                progress_bar=False,
                request_save_on_cell_execute=False,
                log_output=False,
                start_timeout=START_TIMEOUT_S,
                execution_timeout=timeout_s,
                km=self.km,
            )
        except PapermillExecutionError:
            raise
        except BaseException:
            self.shutdown()  # a cell may still be running, or the kernel is gone: start afresh
            raise
        finally:
            client.stop_channels()
            if self.km is not None:
                self.km.close_clients()

    def _client(self):
        if self.km is None or not self.km.is_alive():
            self.shutdown()
            self._start()
        client = self.km.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=START_TIMEOUT_S)
        except BaseException:
            client.stop_channels()
            self.shutdown()
            raise
        return client

    def _start(self) -> None:
        """Start the kernel and import the preamble; retried when the start races for a port.

        Kernels started at the same moment can pick the same free TCP port (jupyter_client
        picks a port, releases it, and the kernel binds it later); the loser dies before its
        first reply. Only that start-up failure is retried.
        """
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                self._start_once()
                return
            except Exception as exc:
                self.shutdown()
                if attempt == START_ATTEMPTS or not any(m in str(exc) for m in _START_FAILURES):
                    raise

    def _start_once(self) -> None:
        km = self.km = _manager_class()(kernel_name=self.kernel_name)
        km.start_kernel(extra_arguments=list(KERNEL_ARGUMENTS), cwd=str(self.cwd))
        client = km.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=START_TIMEOUT_S)
            client.execute_interactive(
                PREAMBLE.format(shared=str(self.shared) if self.shared else None),
                store_history=False,
                timeout=START_TIMEOUT_S,
                output_hook=_quiet,
            )
            km.warm = True
        finally:
            client.stop_channels()

    def shutdown(self) -> None:
        """Stop the kernel (if any); the next ``execute`` starts a new one."""
        km, self.km = self.km, None
        if km is not None:
            try:
                km.shutdown_kernel(now=True)
            except Exception:  # already dead: nothing to stop
                pass


@lru_cache(maxsize=1)
def _manager_class():
    """A KernelManager that closes the clients papermill's executor opens on a kernel it does
    not own (nbclient leaves their channels open then, to keep the kernel usable)."""
    from jupyter_client.manager import KernelManager

    class _Manager(KernelManager):
        warm = False  #: started and ready once: a new client needs no start-up flush

        def client(self, **kwargs: Any):
            client = super().client(**kwargs)
            self.__dict__.setdefault("_opened", []).append(client)
            if self.warm:
                # replaced on this one client object, not on its class
                client.wait_for_ready = functools.partial(_ready, client)  # type: ignore[method-assign]
            return client

        def close_clients(self) -> None:
            for client in self.__dict__.pop("_opened", []):
                client.stop_channels()

    return _Manager


def _ready(client, timeout: float | None = None) -> None:
    """``wait_for_ready`` for a kernel that was ready before: one ``kernel_info`` round trip.

    jupyter_client's own then drains IOPub until it has been quiet for 0.2 s (start-up
    messages), and papermill's client waits for ready again: 0.4 s idle per page on a warm
    kernel. Clients match IOPub messages to their own requests, so nothing needs draining.
    """
    msg_id = client.kernel_info()
    limit = START_TIMEOUT_S if timeout is None else timeout
    deadline = time.monotonic() + limit
    while True:
        try:
            reply = client.get_shell_msg(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError(f"Kernel didn't respond in {limit} seconds") from None
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            return


def _quiet(msg: dict) -> None:
    """Output of the reset and preamble (import warnings) is not the parent's to print."""


class KernelPool:
    """``size`` warm kernels handed to the render's worker threads, one each.

    ``warm()`` starts them in the background, e.g. while the render still imports and checks
    its inputs; a worker's ``take()`` returns its kernel (started or starting).
    """

    def __init__(self, size: int, kernel_name: str, cwd: Path) -> None:
        #: the months the render builds once, handed to every kernel (``report.handover``)
        self.shared = Path(tempfile.mkdtemp(prefix="devops-analytics-months-"))
        self.kernels = [WarmKernel(kernel_name, cwd, self.shared) for _ in range(max(1, int(size)))]
        self.free = list(self.kernels)
        self.lock = threading.Lock()

    def warm(self) -> KernelPool:
        for kernel in self.kernels:
            kernel.warm()
        return self

    def take(self) -> WarmKernel:
        with self.lock:
            return self.free.pop() if self.free else self.kernels[0]

    def shutdown(self) -> None:
        for kernel in self.kernels:
            with kernel.lock:
                kernel.shutdown()
        shutil.rmtree(self.shared, ignore_errors=True)  # its own temporary folder
