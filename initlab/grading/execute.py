"""Running the assembled cells in a fresh kernel (sandboxed unless told otherwise).

The kernel is started through a kernel spec written for the submission (the public
``KernelSpecManager`` API) and reached over IPC sockets in a private folder. Outputs are
kept per cell up to ``OUTPUT_LIMIT`` characters; probe records (display data of type
``PROBE_MIME``) are taken out of the outputs and kept with their cell — those of a graded
check cell are the only ones the judge will look at.
"""

# The grader must survive anything a submission does: broad exceptions on purpose.
# ruff: noqa: BLE001, S110

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import nbformat

from ..checks.core import PROBE_MIME
from .assemble import RunCell
from .sandbox import Cgroup, Limits, kernel_argv, kernel_env

OK = "ok"
TIMEOUT = "timeout"
KERNEL_DIED = "kernel died"
NOT_A_NOTEBOOK = "not a notebook"
UNKNOWN_ASSIGNMENT = "unknown assignment"
ERROR = "error"
STATUSES = (OK, TIMEOUT, KERNEL_DIED, NOT_A_NOTEBOOK, UNKNOWN_ASSIGNMENT, ERROR)

OUTPUT_LIMIT = 20_000  # characters of output kept per cell
RECORD_LIMIT = 64 * 2**20  # bytes of probe records accepted per cell
RUN_DIR_LIMIT = 16 * 2**20  # bytes the kernel may leave in its connection folder


def _output_size(out) -> int:
    if out.get("output_type") == "stream":
        return len(out.get("text", ""))
    if out.get("output_type") == "error":
        return len(out.get("evalue", "")) + sum(len(t) for t in out.get("traceback", []))
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v))
               for v in out.get("data", {}).values())


def _make_client_class():
    from nbclient import NotebookClient

    class GradingClient(NotebookClient):
        """nbclient with outputs limited per cell and the probe records set apart."""

        run_cells: tuple = ()
        used = 0

        def output(self, outs, msg, display_id, cell_index):
            run = self.run_cells[cell_index] if cell_index < len(self.run_cells) else None
            content = msg.get("content", {})
            data = content.get("data") if isinstance(content, dict) else None
            if isinstance(data, dict) and PROBE_MIME in data:
                if run is not None and run.kind == "check":
                    record = data[PROBE_MIME]
                    size = len(json.dumps(record))
                    run.record_bytes += size
                    if run.record_bytes <= RECORD_LIMIT:
                        run.records.append(record)
                    else:
                        run.records.append({"overflow": True})
                return None
            out = super().output(outs, msg, display_id, cell_index)
            if out is None or run is None:
                return out
            size = _output_size(out)
            if self.used + size <= OUTPUT_LIMIT:
                self.used += size
                return out
            if outs and outs[-1] is out:
                outs.pop()
            if out.get("output_type") == "error":  # keep errors, shortened
                out["evalue"] = out.get("evalue", "")[:2000]
                out["traceback"] = [t[:2000] for t in out.get("traceback", [])[-10:]]
                outs.append(out)
            elif not run.truncated:
                room = max(0, OUTPUT_LIMIT - self.used)
                if out.get("output_type") == "stream" and room:
                    out["text"] = out["text"][:room]
                    outs.append(out)
                outs.append(nbformat.v4.new_output(
                    "stream", name="stdout", text="\n… вывод обрезан …\n"))
            run.truncated = True
            self.used = OUTPUT_LIMIT
            return None

    return GradingClient


def _tree_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


async def execute(cells: list[RunCell], base: Path, src: Path, lib: Path, limits: Limits,
                  sandbox: bool):
    """Run the cells in a fresh, limited kernel. Returns (status, message in Russian)."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    run_dir = base / "run"
    run_dir.mkdir()
    home = base / "home"  # (the kernel's home without the sandbox)
    home.mkdir()
    spec = base / "kernels" / "initlab-grade"
    spec.mkdir(parents=True)
    argv = kernel_argv(src=src, run_dir=run_dir, lib=lib, limits=limits, sandbox=sandbox)
    cgroup = Cgroup.make(limits)
    if cgroup is not None:
        argv = cgroup.wrap(argv)
    (spec / "kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": "initlab grader", "language": "python",
         "interrupt_mode": "message"}), encoding="utf-8")  # (signals do not cross bwrap)
    km = AsyncKernelManager(
        kernel_name="initlab-grade",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(base / "kernels")]),
        transport="ipc", ip=str(run_dir / "k"), connection_file=str(run_dir / "kernel.json"))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c.source) for c in cells])
    client = _make_client_class()(
        nb, km=km, timeout=limits.timeout_cell, allow_errors=True, interrupt_on_timeout=False,
        startup_timeout=60, iopub_timeout=4, raise_on_iopub_timeout=False, record_timing=False,
        kernel_name="initlab-grade")
    client.run_cells = cells
    replies: dict[int, dict] = {}
    client.on_cell_executed = lambda cell, cell_index, execute_reply: replies.__setitem__(
        cell_index, execute_reply)
    status, message = OK, ""
    deadline = time.monotonic() + limits.timeout_notebook
    log = open(base / "kernel.log", "wb")  # noqa: ASYNC230, SIM115 (closed below)
    try:
        try:
            await client.async_start_new_kernel(
                cwd=str(src if not sandbox else base),
                env=kernel_env(sandbox=sandbox, lib=lib, home=home),
                stdout=log, stderr=log)
            await client.async_start_new_kernel_client()
        except Exception as exc:
            log.flush()
            tail = (base / "kernel.log").read_text(errors="replace").strip().splitlines()[-3:]
            return ERROR, (f"не удалось запустить ядро Python: {type(exc).__name__}: {exc}"
                           + (f" ({' '.join(tail)})" if tail else ""))[:400]
        for i, (run, cell) in enumerate(zip(cells, nb.cells)):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                status = TIMEOUT
                message = f"превышен лимит времени на весь ноутбук ({limits.timeout_notebook:g} с)"
                break
            client.timeout = max(1, min(limits.timeout_cell, remaining))
            client.used = 0
            try:
                await client.async_execute_cell(cell, i, store_history=run.kind != "check")
            except CellTimeoutError:
                run.state, run.outputs = "timeout", list(cell.outputs)
                status = TIMEOUT
                message = message or f"{describe(run, i)} выполнялась дольше {client.timeout:g} с"
                if not await _recover(client, km, i, deadline, limits.timeout_cell):
                    message += "; ядро не ответило на прерывание, остальные ячейки не выполнены"
                    break
                continue
            except DeadKernelError:
                run.state = "died"
                status = KERNEL_DIED
                message = (f"ядро Python аварийно завершилось при выполнении: {describe(run, i)} "
                           "(нехватка памяти, os._exit, сбой в C-коде…); "
                           "остальные ячейки не выполнены")
                break
            except Exception as exc:  # a kernel that broke its protocol (forged messages…)
                run.state = "died"
                status = KERNEL_DIED
                message = (f"связь с ядром Python нарушена при выполнении: {describe(run, i)} "
                           f"({type(exc).__name__}); остальные ячейки не выполнены")
                break
            run.outputs = list(cell.outputs)
            reply = replies.get(i, {}).get("content", {})
            failed = reply.get("status") == "error" or any(
                o.get("output_type") == "error" for o in run.outputs)
            run.state = "error" if failed else "ok"
            if _tree_size(run_dir) > RUN_DIR_LIMIT:
                status = KERNEL_DIED
                message = ("ядро записало слишком много данных в служебную папку; проверка "
                           "остановлена, остальные ячейки не выполнены")
                break
    finally:
        await _shutdown(client, km)
        if cgroup is not None:
            cgroup.remove()
        log.close()
    return status, message


async def _recover(client, km, index: int, deadline: float, timeout_cell: float) -> bool:
    """After a cell timeout: interrupt; is the kernel responsive again?"""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    # nbclient leaves the timed-out cell's iopub reader running (CellTimeoutError is a
    # CellControlSignal); it would swallow the next cells' outputs and probe records.
    for task in asyncio.all_tasks():
        frame = getattr(task.get_coro(), "cr_frame", None)
        if (frame is not None and frame.f_code.co_name == "_async_poll_output_msg"
                and frame.f_locals.get("self") is client):
            task.cancel()
    try:
        await km.interrupt_kernel()
        remaining = deadline - time.monotonic()
        if remaining <= 1:
            return False
        client.timeout = min(10, max(3, timeout_cell / 2), remaining)
        probe = nbformat.v4.new_code_cell("pass")
        await client.async_execute_cell(probe, index, store_history=False)
        return True
    except (CellTimeoutError, DeadKernelError, RuntimeError):
        return False


async def _shutdown(client, km) -> None:
    provisioner = getattr(km, "provisioner", None)
    pgid = getattr(provisioner, "pgid", None)
    if pgid and pgid > 1:  # the kernel's process group: bwrap, and the PID namespace with it
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        await asyncio.wait_for(km.shutdown_kernel(now=True), 15)
    except Exception:
        pass
    from jupyter_core.utils import ensure_async

    try:
        if client.kc is not None:
            await ensure_async(client.kc.stop_channels())
    except Exception:
        pass
    try:
        await ensure_async(km.cleanup_resources())
    except Exception:
        pass


def describe(run: RunCell, index: int) -> str:
    if run.kind == "answer":
        return f"ячейка ответа {run.grade_id}"
    if run.kind == "check":
        return f"проверка {run.grade_id}"
    if run.kind == "protected":
        return f"ячейка эталона {run.grade_id}"
    return f"ячейка {index + 1} ноутбука"
