"""Grade a folder of submitted notebooks into a gradebook and feedback.

    initlab grade SUBMISSIONS_DIR --out RESULTS_DIR [--jobs N] [--force] [--no-sandbox]
                  [--masters solutions/] [--timeout-cell S] [--timeout-notebook S]
                  [--memory-mb M]

**Submissions** (:mod:`.submissions`). Every ``*.ipynb`` file below SUBMISSIONS_DIR
(hidden files and ``.ipynb_checkpoints`` excepted) is one submission. The student id is
the first folder of its path (``ivanov/06_init.ipynb`` → ``ivanov``; nbgrader's
``submitted/ivanov/06_init/06_init.ipynb`` too) or, at the top level, the file name
without the assignment's name (``ivanov_06_init.ipynb`` → ``ivanov``). A submission
belongs to the master (:mod:`.masters`, ``--masters``, default ``solutions/``) named in
its ``metadata.initlab.assignment``, else to the one sharing its nbgrader ``grade_id`` s,
else to the one its file name names; otherwise its status is ``unknown assignment``.

**Execution** (:mod:`.assemble`, :mod:`.execute`, :mod:`.sandbox`). As nbgrader does: all
of the student's code cells in their order, cells they added included; each graded or
locked cell of the master (by ``grade_id``) with the master's source, hidden tests
included; a deleted or moved one put back at its place. The kernel runs in a bubblewrap
sandbox (read-only system, a private copy of the submission's folder, no network, own
PID namespace, checked limits on memory, processes, file size and CPU time); without
bubblewrap the command refuses unless ``--no-sandbox`` is given.

**Verdicts** (:mod:`.judge`). In the kernel a graded check only *probes* the answer and
publishes plain data (``initlab.checks.core.Check``); the grader judges that data in its
own process with the same judging code the self-check uses, matching each record to the
check call the master's cell makes. No secret enters the kernel, and nothing the kernel
prints is believed. A task scores its points when every check of its cell passes.

**Results** (:mod:`.gradebook`, :mod:`.feedback`). ``RESULTS_DIR/grades.csv`` (UTF-8 with
BOM): ``file, student, assignment``, one column per task (``assignment/grade_id`` when
several assignments), ``total, maximum, status, message, feedback, sha256,
master_sha256, grader, sandbox``. Statuses: ``ok``, ``timeout``, ``kernel died``, ``not a
notebook``, ``unknown assignment``, ``error``. Rewritten atomically after every
submission; a rerun regrades a row whose submission, master, grader version or sandbox
mode changed (``--force``: all) and says how many. ``RESULTS_DIR/feedback/
<student>_<assignment>.md``: per task, in task order, one Russian message per check.
"""

from .cli import add_arguments, default_masters, grade_all, main, print_summary, run, summarize

__all__ = ["add_arguments", "default_masters", "grade_all", "main", "print_summary", "run",
           "summarize"]
