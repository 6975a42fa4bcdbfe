"""Every self-check test again, with each check judged as in grading: the probe's data is
encoded to JSON (arrays as .npy), decoded and judged by the same judging code. The
verdicts and messages must be the same as when the check runs in one process."""

from __future__ import annotations

import json

import pytest
from test_checks import *
from test_checks_ch07 import *
from test_checks_lectures1 import *

from initlab.checks import core


def _graded(self, *args, **options):
    record = json.loads(json.dumps(self.record(*args, **options)))
    if not record["ok"]:
        raise core.CheckFailed(record["message"])
    data = core.decode(record["data"])
    data.update(record["options"])
    core.passed(self.judge(data))


@pytest.fixture(autouse=True)
def _judged_from_plain_data(monkeypatch):
    monkeypatch.setattr(core.Check, "_direct", _graded)
    monkeypatch.setattr(core.ReplayCheck, "_direct", _graded)
