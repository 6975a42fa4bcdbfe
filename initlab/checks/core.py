"""Shared machinery of the self-checks that students call from the exercises.

A check function of an assignment module (``initlab.checks.ch06`` …) takes the
student's answer, prints a Russian «Верно! …» when it is right and raises
:class:`CheckFailed` otherwise. It always returns ``None`` (a number left as the last
expression of a graded cell would be read by nbgrader as partial credit).

``CheckFailed`` is a real exception (a subclass of ``AssertionError``), so nbgrader,
``initlab grade`` and nbval see a failed cell; but in IPython/Jupyter it renders
**only** its message: no traceback frames, no exception name.

The validators below turn the student's value into something checkable or raise
``CheckFailed`` with an explanation. Their messages (``name`` is the variable the
student fills in, ``call`` a call such as ``he_normal(rng, 256, 128)``):

=================================  ==========================================================
situation                          message (start; the tests assert it)
=================================  ==========================================================
``...`` or ``None``                «Ответ ещё не введён: замените … своим ответом в
                                   переменной `name`.»
a function answer returns None     «Ответ ещё не введён: функция `name` возвращает None —
or raises NotImplementedError      замените … в её теле своим решением.»
a str                              «Ожидалось число, а получена строка '…'. …»
a bool                             «Ожидалось число, а получено логическое значение True. …»
a pair of ints (a decimal comma)   «`name` = 2,4 в Python — не дробь, а пара (2, 4): …»
an array of several numbers        «Ожидалось одно число, а получен массив из K элементов …»
another type                       «Ожидалось число, а получен объект типа T. …»
a complex number                   «Ожидалось вещественное число, а получено комплексное …»
NaN                                «Ответ — NaN (не число). …»
±inf                               «Ответ бесконечен (inf). …»
close but not exact (≤ 2 %)        «Почти верно, но неточно: `name` = V — видимо, это
                                   округлённое значение. …»
a value outside [0, 1] for a       «Вероятность должна лежать между 0 и 1, а получено …»
probability
a wrong number                     «Неверно: `name` = V. <hint>»
array of a wrong shape             «Ожидался массив формы S, а получен массив формы S'.»
array with NaN/inf                 «В массиве `name` есть NaN или бесконечные значения …»
not a function                     «`name` должна быть функцией, а получен объект типа T.»
the function raises E              «При вызове `call` возникла ошибка E: msg. Исправьте
                                   функцию и заново выполните ячейку с ней.»
returns a wrong shape              «`call` вернула массив формы S', а нужна форма S …»
returns ints / bools               «`call` вернула целые числа (int64), а веса должны быть
                                   вещественными …»
returns NaN/inf                    «`call` вернула NaN или бесконечные значения …»
ignores ``rng``                    «Результат `name` зависит не только от переданного
                                   генератора rng …»
mean off                           «Неверно: среднее весов …»
variance off                       «Неверно: дисперсия весов …»
uniform bound exceeded             «Неверно: есть веса вне отрезка …»
wrong distribution family          «Неверно: распределение весов не похоже на …»
=================================  ==========================================================

Success messages start with «Верно!».
"""

from __future__ import annotations

import decimal
import math
import numbers
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "MISSING",
    "PROBE_ENV",
    "PROBE_MIME",
    "Check",
    "CheckFailed",
    "SamplerCase",
    "as_array",
    "as_number",
    "call_answer",
    "check_array",
    "check_number",
    "check_sampler",
    "decode",
    "encode",
    "judge_array",
    "judge_number",
    "judge_sampler",
    "passed",
    "plain",
    "replay_check",
    "require",
]

#: Start of the message for an answer that is still ``...``.
MISSING = "Ответ ещё не введён: замените … своим ответом"


class CheckFailed(AssertionError):
    """A failed self-check. In Jupyter only its (Russian) message is shown.

    IPython calls ``_render_traceback_`` instead of formatting the traceback, so the
    error output of the cell is exactly the message lines. ``str(exc)`` is the message
    too (nbgrader and ``initlab grade`` show it in the feedback).
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def _render_traceback_(self) -> list[str]:
        return self.message.splitlines() or [""]


def passed(message: str) -> None:
    """Print «Верно! <message>»."""
    print(f"Верно! {message}".rstrip())


#: Environment variable set by ``initlab grade`` in the sandboxed kernel: a check then
#: only probes and publishes its plain data (see :class:`Check`).
PROBE_ENV = "INITLAB_GRADING_PROBE"
#: The MIME type of a probe record (a display output of the graded cell).
PROBE_MIME = "application/vnd.initlab.probe+json"


# ------------------------------------------------------- failed answer cells

class _CellWatch:
    """Remembers, in IPython, the names that a failed cell meant to assign.

    After ``var_w = 1 / (3 * nin)`` (NameError) or ``var_w = 0,0013`` (SyntaxError) the
    variable keeps its value from before; a check called on it would judge a stale value.
    A ``post_run_cell`` hook records the names assigned (``name =``, ``def name``) by a
    cell that failed, and forgets them when a later cell assigns them without error.
    """

    _ASSIGN = r"^[ \t]*(?:def[ \t]+([A-Za-z_]\w*)|([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=(?!=))"

    def __init__(self):
        self.failed: dict[str, str] = {}  # name -> error text of the cell that failed
        self.current = ""  # the source of the cell being run

    def names(self, source: str) -> set[str]:
        import re

        return {a or b for a, b in re.findall(self._ASSIGN, source, flags=re.MULTILINE)}

    def pre(self, info) -> None:
        self.current = getattr(info, "raw_cell", "") or ""

    def post(self, result) -> None:
        source = getattr(getattr(result, "info", None), "raw_cell", "") or ""
        error = getattr(result, "error_before_exec", None) or getattr(result, "error_in_exec", None)
        names = self.names(source)
        if error is None or isinstance(error, CheckFailed):
            for name in names:
                self.failed.pop(name, None)
            return
        import re

        detail = error.msg if isinstance(error, SyntaxError) else str(error)
        text = f"{type(error).__name__}: {detail.splitlines()[0] if detail else ''}".rstrip(": ")
        if re.search(r"\d,\d", source):
            text += "; дробную часть числа отделяйте точкой: 0.0013, а не 0,0013"
        for name in names:
            self.failed[name] = text


_WATCH = _CellWatch()


def watch_cells() -> None:
    """Register the hooks of :class:`_CellWatch` in the running IPython (once)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "_initlab_watch", False):
        return
    shell.events.register("pre_run_cell", _WATCH.pre)
    shell.events.register("post_run_cell", _WATCH.post)
    shell._initlab_watch = True


def stale_answer(check_name: str) -> None:
    """Raise ``CheckFailed`` when an argument of the check call in the current cell is a
    name that a failed cell tried to assign (the check would judge its old value)."""
    if not _WATCH.failed or not _WATCH.current:
        return
    import ast

    try:
        tree = ast.parse(_WATCH.current)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name != check_name:
            continue
        for arg in node.args:
            if isinstance(arg, ast.Name) and arg.id in _WATCH.failed:
                raise CheckFailed(
                    f"Ячейка, в которой задаётся `{arg.id}`, завершилась ошибкой "
                    f"({_WATCH.failed[arg.id]}); значение `{arg.id}` могло не обновиться "
                    "(или переменной нет вовсе). Исправьте ошибку, выполните ту ячейку заново, "
                    "а затем — эту проверку."
                )


class Check:
    """A self-check in two parts, so that grading can judge outside the student's process.

    ``probe(*args, **options) -> data`` reads the student's answer and returns PLAIN data
    only (a dict of numbers, strings, lists, numpy arrays — never the student's objects);
    it may raise ``CheckFailed`` itself (no answer, a function that raises, …).
    ``judge(data) -> str`` decides from that data alone: it returns the success message
    (printed after «Верно!») or raises ``CheckFailed`` with a Russian explanation.

    Calling the check (what a student's notebook does) runs both in one process. The
    grader runs ``probe`` in the sandboxed kernel and ``judge`` in its own process: with
    the environment variable ``INITLAB_GRADING_PROBE=1`` a call publishes a probe record
    (display data of type :data:`PROBE_MIME`: the check's name, its options and the
    encoded data, or the probe's failure message) instead of judging.

    Options (keyword arguments such as ``thorough=True``): a probe that takes options
    copies them into its data under the same names, and the judge reads them from there;
    in grading the grader overwrites them with the literal values written in the
    master's cell, so the kernel cannot pick the easier variant.
    """

    def __init__(self, probe, judge, name: str | None = None, doc: str | None = None):
        self.probe = probe
        self.judge = judge
        self.__name__ = name or getattr(probe, "__name__", "check").removeprefix("_probe_")
        self.__doc__ = doc or getattr(judge, "__doc__", None)

    def __call__(self, *args, **options) -> None:
        if os.environ.get(PROBE_ENV) == "1":
            _publish(self.record(*args, **options))
            return
        stale_answer(self.__name__)
        self._direct(*args, **options)

    def _direct(self, *args, **options) -> None:
        passed(self.judge(self.probe(*args, **options)))

    def record(self, *args, **options) -> dict:
        """The probe record of a call: plain JSON (arrays inside as base64 .npy)."""
        rec = {"v": 1, "check": self.__name__, "options": _jsonable(options)}
        try:
            rec.update(ok=True, data=encode(self.probe(*args, **options)))
        except CheckFailed as exc:
            rec.update(ok=False, message=str(exc))
        return rec

    def __repr__(self) -> str:
        return f"<check {self.__name__}>"


def _jsonable(options: dict) -> dict:
    return {k: v for k, v in options.items() if isinstance(v, (bool, int, float, str, type(None)))}


def _publish(record: dict) -> None:
    from IPython.display import publish_display_data

    publish_display_data({PROBE_MIME: record, "text/plain": f"<данные проверки {record['check']}>"})


# ------------------------------------------------------------------ plain data

_ARRAY, _OBJECT, _ELLIPSIS, _COMPLEX, _TUPLE = "__npy__", "__object__", "__ellipsis__", \
    "__complex__", "__tuple__"
MAX_ELEMENTS = 20_000_000  # larger arrays are recorded as opaque objects


def plain(value, _depth: int = 0):
    """``value`` as plain data: numbers, strings, None, lists, dicts with str keys and
    numeric numpy arrays; anything else becomes an opaque marker with its type name.
    Never raises (the student's objects may misbehave in any way)."""
    try:
        return _plain(value, _depth)
    except Exception:  # noqa: BLE001
        return {_OBJECT: _type_name(value)}


def _type_name(value) -> str:
    try:
        return str(type(value).__name__)[:100]
    except Exception:  # noqa: BLE001
        return "object"


def _plain(value, depth):
    if value is None or isinstance(value, (bool, str)) and type(value) in (bool, str):
        return value
    if value is ...:
        return {_ELLIPSIS: True}
    if type(value) in (int, float):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, (complex, np.complexfloating)):
        c = complex(value)
        return {_COMPLEX: [c.real, c.imag]}
    if depth > 8:
        return {_OBJECT: _type_name(value)}
    if type(value) in (list, tuple):
        items = [plain(v, depth + 1) for v in value]
        return {_TUPLE: items} if type(value) is tuple else items
    if type(value) is dict:
        return {str(k): plain(v, depth + 1) for k, v in value.items() if type(k) is str}
    if isinstance(value, (numbers.Real, decimal.Decimal)) and not isinstance(value, np.ndarray):
        return float(value)  # Fraction, Decimal, a subclass of float: its value only
    arr = np.array(value, copy=True)
    if arr.dtype.kind not in "biufc" or arr.size > MAX_ELEMENTS:
        return {_OBJECT: _type_name(value)}
    return np.ascontiguousarray(arr)


class Opaque:
    """Stands for a student's object that is not plain data (only its type name is kept)."""

    def __init__(self, type_name: str):
        self.type_name = type_name


def _opaque(type_name: str):
    cls = type(str(type_name)[:100] or "object", (Opaque,), {})
    return cls(type_name)


def encode(data):
    """Plain data → JSON-compatible (arrays as base64 .npy)."""
    import base64
    import io

    if isinstance(data, np.ndarray):
        buf = io.BytesIO()
        np.save(buf, data, allow_pickle=False)
        return {_ARRAY: base64.b64encode(buf.getvalue()).decode("ascii")}
    if isinstance(data, dict):
        return {k: encode(v) for k, v in data.items()}
    if isinstance(data, list):
        return [encode(v) for v in data]
    if isinstance(data, tuple):
        return {_TUPLE: [encode(v) for v in data]}
    if data is ...:
        return {_ELLIPSIS: True}
    if isinstance(data, (complex, np.complexfloating)):
        return {_COMPLEX: [float(np.real(data)), float(np.imag(data))]}
    if isinstance(data, (np.bool_, np.integer, np.floating)):
        return data.item()
    if isinstance(data, float) and not math.isfinite(data):
        return {"__float__": repr(data)}
    return data


def decode(data):
    """The inverse of :func:`encode`: arrays back (``allow_pickle=False``), markers to
    ``...``, complex numbers, tuples and :class:`Opaque` objects."""
    import base64
    import io

    if isinstance(data, dict):
        if len(data) == 1:
            (key, value), = data.items()
            if key == _ARRAY:
                arr = np.load(io.BytesIO(base64.b64decode(value)), allow_pickle=False)
                if arr.dtype.kind not in "biufc":
                    raise ValueError("not a numeric array")
                return arr
            if key == _ELLIPSIS:
                return ...
            if key == _COMPLEX:
                return complex(float(value[0]), float(value[1]))
            if key == _TUPLE:
                return tuple(decode(v) for v in value)
            if key == _OBJECT:
                return _opaque(str(value))
            if key == "__float__":
                return float(value)
        return {str(k): decode(v) for k, v in data.items()}
    if isinstance(data, list):
        return [decode(v) for v in data]
    if data is None or type(data) in (bool, int, float, str):
        return data
    raise ValueError(f"not plain data: {type(data).__name__}")


# --------------------------------------------------------- checks that replay

class _Recorder:
    """Wraps the student's function: calls it and records each call as plain data."""

    def __init__(self, fn):
        self.fn = fn
        self.calls: list = []

    def __call__(self, *args):
        before = [np.array(a, copy=True) if isinstance(a, np.ndarray) else None for a in args]
        try:
            result = self.fn(*args)
        except NotImplementedError:
            self.calls.append({"raised": "NotImplementedError", "message": ""})
            raise
        except Exception as exc:
            try:
                text = str(exc)[:2000]
            except Exception:  # noqa: BLE001
                text = ""
            self.calls.append({"raised": _type_name(exc), "message": text})
            raise
        call = {"result": plain(result)}
        changed = {str(i): np.array(a, copy=True) for i, (a, b) in enumerate(zip(args, before))
                   if b is not None and not np.array_equal(a, b, equal_nan=True)}
        if changed:
            call["changed"] = changed
        self.calls.append(call)
        return result


class _Replayer:
    """Replays the recorded calls in order in the judge's process."""

    def __init__(self, calls):
        self.calls = list(calls) if isinstance(calls, list) else []

    def __call__(self, *args):
        if not self.calls:
            raise CheckFailed("Неверно: функция была вызвана меньше раз, чем нужно проверке "
                              "(данные проверки неполны).")
        call = self.calls.pop(0)
        if not isinstance(call, dict):
            raise CheckFailed("Данные проверки повреждены.")
        if "raised" in call:
            name = str(call["raised"])[:100] or "Exception"
            if name == "NotImplementedError":
                raise NotImplementedError
            raise type(name, (Exception,), {})(str(call.get("message", "")))
        for i, value in dict(call.get("changed") or {}).items():
            np.copyto(args[int(i)], value)
        return call.get("result")


def replay_check(body, name: str | None = None) -> Check:
    """A :class:`Check` from a check body ``body(answer, **options) -> success message``
    that calls (or reads) the student's answer itself.

    In the student's notebook the body runs once on the real answer. The probe records
    the answer as plain data: a value is converted by :func:`plain`; a function is
    wrapped and the body is run on the wrapper, which records every call (its result and
    the arrays it changed in place) as plain data. The judge runs the same body on the
    value, or on a replayer that returns the recorded results in order, so the verdict
    and its message are computed from plain data only.
    """

    def probe(answer, **options):
        data = dict(options)
        if answer is None or answer is ... or not callable(answer) or isinstance(answer, type):
            data["answer"] = plain(answer)
            return data
        rec = _Recorder(answer)
        try:
            body(rec, **options)
        except CheckFailed:
            pass  # the judge reaches the same failure from the recorded calls
        data["calls"] = rec.calls
        return data

    def judge(data):
        data = dict(data)
        if "calls" in data:
            answer = _Replayer(data.pop("calls"))
        else:
            answer = data.pop("answer", None)
        return body(answer, **data)

    return ReplayCheck(probe, judge, body, name=name)


class ReplayCheck(Check):
    """A :class:`Check` made by :func:`replay_check`: called directly, its body runs once
    on the real answer (the student's instant feedback, no recording)."""

    def __init__(self, probe, judge, body, name: str | None = None):
        super().__init__(probe, judge, name=name or body.__name__, doc=body.__doc__)
        self.body = body

    def _direct(self, *args, **options) -> None:
        passed(self.body(*args, **options))


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _short_repr(value, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_missing(value) -> bool:
    return value is ... or value is None


def require(value, name: str) -> None:
    """Raise «Ответ ещё не введён: замените … своим ответом в переменной `name`.»
    when ``value`` is ``...`` (the stub) or ``None``."""
    if _is_missing(value):
        raise CheckFailed(f"{MISSING} в переменной `{name}`.")


def _array_or_none(value) -> np.ndarray | None:
    """``np.asarray(value)``, or None when the student's object cannot become an array."""
    try:
        return np.asarray(value)
    except Exception:  # noqa: BLE001 — ragged lists, objects whose __array__ raises anything
        return None


def as_number(value, name: str) -> float:
    """The student's ``value`` as a finite float, or ``CheckFailed`` explaining why not.

    Accepts int, float, numpy scalars, 0-d and one-element arrays, ``fractions.Fraction``,
    ``decimal.Decimal`` and anything else that is a real number (``numbers.Real``).
    Rejects ``...``/``None`` (not entered yet), str, bool, complex numbers, arrays of
    several elements, other objects, NaN and ±inf — each with its own message (see the
    table in the module's docstring).
    """
    require(value, name)
    if isinstance(value, (bool, np.bool_)):
        raise CheckFailed(
            f"Ожидалось число, а получено логическое значение {bool(value)}. "
            f"Запишите в `{name}` числовое выражение, а не сравнение."
        )
    if isinstance(value, (str, bytes)):
        raise CheckFailed(
            f"Ожидалось число, а получена строка {_short_repr(value)}. Запишите ответ "
            f"выражением Python без кавычек, например `{name} = 1 / 3`."
        )
    if (isinstance(value, tuple) and len(value) == 2 and value[1] >= 0
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        a, b = value
        raise CheckFailed(
            f"`{name}` = {a},{b} в Python — не дробь, а пара ({a}, {b}): запятая разделяет "
            f"элементы. Десятичную дробь пишут через точку, например `{name} = {a}.{b}`."
        )
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = _array_or_none(value)
        size = arr.size if arr is not None else len(value)
        if size != 1 or arr is None:
            raise CheckFailed(
                f"Ожидалось одно число, а получен массив из {size} элементов"
                + (f" (форма {arr.shape})" if arr is not None and arr.ndim > 1 else "")
                + f". Запишите в `{name}` одно число."
            )
        return as_number(arr.reshape(()).item(), name)
    if isinstance(value, (complex, np.complexfloating)):
        raise CheckFailed(
            f"Ожидалось вещественное число, а получено комплексное {_short_repr(value)}. "
            "Проверьте, не извлекается ли корень из отрицательного числа."
        )
    if not isinstance(value, (numbers.Real, np.number, decimal.Decimal)):
        raise CheckFailed(
            f"Ожидалось число, а получен объект типа {type(value).__name__}. "
            f"Запишите в `{name}` число, например `{name} = 1 / 3`."
        )
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise CheckFailed(
            f"Ожидалось число, а получен объект типа {type(value).__name__}, который не "
            "удаётся превратить в число."
        ) from None
    if math.isnan(x):
        raise CheckFailed(
            f"Ответ — NaN (не число): в `{name}` записано nan. Скорее всего, в вычислении "
            "встретилось 0/0 или inf − inf; проверьте формулу."
        )
    if math.isinf(x):
        raise CheckFailed(
            f"Ответ бесконечен (inf): в `{name}` записано {x}. Проверьте, нет ли в формуле "
            "деления на ноль или переполнения."
        )
    return x


def _close(x: float, y: float, rtol: float, atol: float) -> bool:
    return abs(x - y) <= atol + rtol * abs(y)


def check_number(value, expected: float, **kwargs) -> None:
    """:func:`judge_number`, printing «Верно! <success>» when right."""
    passed(judge_number(value, expected, **kwargs))


_ROUNDED = ("Почти верно, но неточно: `{name}` = {x} — видимо, это округлённое значение. "
            "Запишите ответ точной формулой (дробью, степенью, через math.sqrt и т. п.), "
            "а не десятичной дробью.")


def judge_number(
    value,
    expected: float,
    *,
    name: str,
    success: str,
    hint: str = "",
    wrong: Sequence[tuple[float, str]] = (),
    rtol: float = 1e-6,
    atol: float = 0.0,
    near: float = 0.02,
    probability: bool = False,
    rounded: Sequence[float] = (),
) -> str:
    """Check that the number ``value`` equals ``expected`` (within ``rtol``/``atol``).

    ``wrong`` lists typical mistakes: pairs ``(wrong value, targeted hint)``; when the
    answer equals one of them its hint is shown instead of the general ``hint``.
    ``rounded`` lists rounded forms of the answer that the book itself prints (0.001 for
    1/1024): they get the same «Почти верно, но неточно: …» as any near miss (checked
    before the typical mistakes, so a rounded answer never reads as a wrong formula).
    An answer within ``near`` (relative) of the truth but not within the tolerance gets
    «Почти верно, но неточно: …» (a rounded decimal instead of a formula).
    With ``probability=True`` a value outside [0, 1] gets «Вероятность должна лежать
    между 0 и 1, а получено …». A wrong value gets «Неверно: `name` = V. <hint>».
    On success returns ``success``.
    """
    x = as_number(value, name)
    if _close(x, expected, rtol, atol):
        return success
    if probability and not 0.0 <= x <= 1.0:
        raise CheckFailed(
            f"Вероятность должна лежать между 0 и 1, а получено `{name}` = {_fmt(x)}."
        )
    for shown in rounded:
        if _close(x, shown, 1e-9, 0.0):
            raise CheckFailed(
                _ROUNDED.format(name=name, x=_fmt(x)))
    for bad, bad_hint in wrong:
        if _close(x, bad, max(rtol, 1e-9), atol):
            raise CheckFailed(f"Неверно: `{name}` = {_fmt(x)}. {bad_hint}".rstrip())
    if _close(x, expected, near, atol):
        raise CheckFailed(_ROUNDED.format(name=name, x=_fmt(x)))
    raise CheckFailed(f"Неверно: `{name}` = {_fmt(x)}. {hint}".rstrip())


def as_array(value, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """The student's ``value`` as a finite float array (of ``shape``, if given).

    Messages: not entered (``...``/``None``); «`name` должен быть массивом чисел, …»
    (strings, objects, ragged lists); «Ожидался массив формы S, а получен массив формы
    S'.»; «В массиве `name` есть NaN или бесконечные значения (первое — в позиции i).»
    """
    require(value, name)
    arr = _array_or_none(value)
    if arr is None or arr.dtype.kind not in "biuf":
        kind = type(value).__name__ if arr is None else f"{type(value).__name__} ({arr.dtype})"
        raise CheckFailed(
            f"`{name}` должен быть массивом чисел (numpy.ndarray или список чисел), "
            f"а получено: {kind}."
        )
    if arr.dtype.kind == "b":
        raise CheckFailed(
            f"`{name}` — массив логических значений (True/False), а ожидались числа."
        )
    if shape is not None and arr.shape != tuple(shape):
        raise CheckFailed(
            f"Ожидался массив формы {tuple(shape)}, а получен массив формы {arr.shape}."
        )
    arr = arr.astype(float)
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise CheckFailed(
            f"В массиве `{name}` есть NaN или бесконечные значения "
            f"(первое — в позиции {where if len(where) != 1 else where[0]})."
        )
    return arr


def check_array(value, expected, **kwargs) -> None:
    """:func:`judge_array`, printing «Верно! <success>» when right."""
    passed(judge_array(value, expected, **kwargs))


def judge_array(
    value,
    expected,
    *,
    name: str,
    success: str,
    hint: str = "",
    rtol: float = 1e-6,
    atol: float = 1e-12,
) -> str:
    """Check an array answer elementwise against ``expected`` (same shape required).

    A wrong value gets «Неверно: в `name` не совпадает K из N элементов (например, в
    позиции i: V вместо E). <hint>».
    """
    expected = np.asarray(expected, dtype=float)
    arr = as_array(value, name, expected.shape)
    ok = np.isclose(arr, expected, rtol=rtol, atol=atol)
    if ok.all():
        return success
    first = tuple(int(i) for i in np.argwhere(~ok)[0])
    pos = first if len(first) != 1 else first[0]
    raise CheckFailed(
        f"Неверно: в `{name}` не совпадает {int((~ok).sum())} из {ok.size} элементов "
        f"(например, в позиции {pos}: {_fmt(arr[first])} вместо {_fmt(expected[first])}). "
        f"{hint}".rstrip()
    )


def central_differences(loss, arrays, h: float) -> list:
    """∂loss/∂a for each array ``a`` of ``arrays`` by central differences; ``loss()`` reads
    the arrays, which are changed in place one entry at a time and restored."""
    out = []
    for var in arrays:
        g = np.zeros_like(var)
        for idx in np.ndindex(var.shape):
            old = var[idx]
            var[idx] = old + h
            plus = loss()
            var[idx] = old - h
            minus = loss()
            var[idx] = old
            g[idx] = (plus - minus) / (2 * h)
        out.append(g)
    return out


def _call_text(name: str, args: Sequence) -> str:
    shown = ["rng" if isinstance(a, np.random.Generator) else repr(a) for a in args]
    return f"{name}({', '.join(shown)})"


def call_answer(fn, name: str, *args):
    """Call the student's function ``fn(*args)`` and return its result.

    ``...``/``None`` instead of a function, a ``None`` result or ``NotImplementedError``
    → «Ответ ещё не введён: …»; not callable → «`name` должна быть функцией, …»; any
    other exception of the student's code → «При вызове `call` возникла ошибка E: msg.
    Исправьте функцию и заново выполните ячейку с ней.» (no traceback).
    """
    require(fn, name)
    if not callable(fn):
        raise CheckFailed(
            f"`{name}` должна быть функцией, а получен объект типа {type(fn).__name__}. "
            f"Не присваивайте имени `{name}` ничего, кроме функции из задания."
        )
    call = _call_text(name, args)
    try:
        result = fn(*args)
    except NotImplementedError:
        result = None
    except Exception as exc:  # noqa: BLE001 — any error of the student's code becomes a Russian message
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise CheckFailed(
            f"При вызове `{call}` возникла ошибка {type(exc).__name__}"
            + (f": {text}" if text else "")
            + ". Исправьте функцию и заново выполните ячейку с ней."
        ) from None
    if result is None or result is ...:
        raise CheckFailed(
            f"Ответ ещё не введён: функция `{name}` возвращает None — замените … в её теле "
            "своим решением (и не забудьте return)."
        )
    return result


@dataclass(frozen=True)
class SamplerCase:
    """One call ``fn(rng, n_in, n_out)`` of a sampler under test."""

    n_in: int
    n_out: int


def check_sampler(fn, **kwargs) -> None:
    """:func:`judge_sampler`, printing «Верно! <success>» when right."""
    passed(judge_sampler(fn, **kwargs))


def judge_sampler(
    fn,
    *,
    name: str,
    cases: Sequence[tuple[int, int]],
    variance: Callable[[int, int], float],
    kind: str | None = None,
    success: str,
    hint: str = "",
    wrong: Sequence[tuple[Callable[[int, int], float], str]] = (),
    seed: int = 2026,
    z: float = 5.5,
) -> str:
    """Check a weight sampler ``fn(rng, n_in, n_out)`` by simulation.

    For every ``(n_in, n_out)`` in ``cases`` the function is called with
    ``numpy.random.default_rng(seed)``; its result must be a finite floating array of
    shape ``(n_in, n_out)``, the same when called again with an equally seeded
    generator (it must draw from ``rng`` only) and different with ``seed + 1`` (it must
    draw from ``rng`` at all), with mean 0 and variance
    ``variance(n_in, n_out)`` within ``z`` standard errors (the standard error of the
    sample variance is estimated from the sample's fourth moment). With
    ``kind="uniform"`` the values must lie in [−a, a], a = √(3·variance), and the
    excess kurtosis be that of a uniform law (−1.2); with ``kind="normal"`` it must be
    that of a normal law (0), both within ``z`` standard errors (√(24/N) is an upper
    bound for both). With ``z = 5.5`` each of these (at most four) tests rejects a correct
    sampler with probability below 4·10⁻⁸, so below 10⁻⁶ per case. ``wrong`` lists typical
    mistakes ``(wrong variance rule, hint)``.
    Messages: see the module's docstring. On success returns ``success``.
    """
    if kind not in (None, "uniform", "normal"):
        raise ValueError(f"unknown kind {kind!r}")
    for n_in, n_out in cases:
        args = (n_in, n_out)
        call = _call_text(name, (np.random.default_rng(seed), *args))
        w = call_answer(fn, name, np.random.default_rng(seed), *args)
        arr = _array_or_none(w)
        if arr is None or arr.dtype.kind not in "biufc":
            raise CheckFailed(
                f"`{call}` должна вернуть массив numpy с числами, а вернула объект типа "
                f"{type(w).__name__}."
            )
        if arr.shape != (n_in, n_out):
            extra = (" Похоже, строки и столбцы перепутаны: матрица весов имеет n_in строк и "
                     "n_out столбцов." if arr.shape == (n_out, n_in) and n_in != n_out else "")
            raise CheckFailed(
                f"`{call}` вернула массив формы {arr.shape}, а нужна форма {(n_in, n_out)} "
                f"(n_in строк, n_out столбцов).{extra} Передайте форму в генератор, "
                "например `size=(n_in, n_out)`."
            )
        if arr.dtype.kind in "biu":
            raise CheckFailed(
                f"`{call}` вернула целые числа ({arr.dtype}), а веса должны быть "
                "вещественными. Не округляйте их и не приводите к int."
            )
        if arr.dtype.kind == "c":
            raise CheckFailed(
                f"`{call}` вернула комплексные числа, а веса должны быть вещественными. "
                "Проверьте, не извлекается ли корень из отрицательного числа."
            )
        if not np.isfinite(arr).all():
            raise CheckFailed(
                f"`{call}` вернула NaN или бесконечные значения. Проверьте формулу "
                "дисперсии: нет ли деления на ноль или корня из отрицательного числа."
            )
        again = call_answer(fn, name, np.random.default_rng(seed), *args)
        try:
            same = np.array_equal(np.asarray(again), arr)
        except Exception:  # noqa: BLE001 — whatever the student's objects raise means «not the same»
            same = False
        if not same:
            raise CheckFailed(
                f"Результат `{name}` зависит не только от переданного генератора rng: два "
                "вызова с одинаково инициализированным rng дали разные веса. Берите случайные "
                "числа только из rng (rng.uniform, rng.normal), а не из np.random."
            )
        other = call_answer(fn, name, np.random.default_rng(seed + 1), *args)
        try:
            ignored = bool(np.ptp(arr) > 0) and np.array_equal(np.asarray(other), arr)
        except Exception:  # noqa: BLE001
            ignored = False
        if ignored:
            raise CheckFailed(
                f"Результат `{name}` не зависит от переданного генератора rng: с другим rng "
                "получились те же веса. Берите случайные числа из переданного rng "
                "(rng.uniform, rng.normal), а не из своего генератора вроде "
                "np.random.default_rng(0)."
            )
        x = arr.astype(np.float64).ravel()
        n = x.size
        target = float(variance(n_in, n_out))
        m = float(x.mean())
        c = x - m
        s2 = float(np.mean(c * c))
        if s2 == 0.0:
            raise CheckFailed(
                f"Неверно: `{call}` вернула одинаковые веса. Веса должны быть случайными, "
                "иначе нейроны слоя останутся одинаковыми."
            )
        m4 = float(np.mean(c**4))
        se_mean = math.sqrt(s2 / n)
        if abs(m) > z * se_mean:
            raise CheckFailed(
                f"Неверно: среднее весов при n_in = {n_in}, n_out = {n_out} равно "
                f"{_fmt(m)}, а должно быть 0 (отклонение больше {z:g} стандартных ошибок). "
                "Распределение весов должно быть симметричным относительно нуля."
            )
        se_var = math.sqrt(max(m4 - s2 * s2, 0.0) / n)
        if abs(s2 - target) > z * se_var + 1e-12 * target:
            detail = hint
            for rule, bad_hint in wrong:
                bad = float(rule(n_in, n_out))
                if abs(s2 - bad) <= z * se_var:
                    detail = bad_hint
                    break
            raise CheckFailed(
                f"Неверно: дисперсия весов при n_in = {n_in}, n_out = {n_out} получилась "
                f"около {_fmt(s2)}, а должна быть {_fmt(target)}. {detail}".rstrip()
            )
        kurt = m4 / (s2 * s2) - 3.0
        se_kurt = math.sqrt(24.0 / n)
        if kind == "uniform":
            if abs(kurt + 1.2) > z * se_kurt:
                raise CheckFailed(
                    "Неверно: распределение весов не похоже на равномерное (эксцесс "
                    f"{kurt:.2f}, а у равномерного −1.2). Используйте rng.uniform."
                )
            a = math.sqrt(3.0 * target)
            if np.abs(x).max() > a * (1 + 1e-6):
                raise CheckFailed(
                    f"Неверно: есть веса вне отрезка [−a, a], a = {_fmt(a)} (при n_in = {n_in}, "
                    f"n_out = {n_out}); например, {_fmt(float(x[np.abs(x).argmax()]))}. "
                    "Равномерное распределение с дисперсией σ² живёт на отрезке [−√(3σ²), √(3σ²)]."
                )
        elif kind == "normal" and abs(kurt) > z * se_kurt:
            raise CheckFailed(
                "Неверно: распределение весов не похоже на нормальное (эксцесс "
                f"{kurt:.2f}, а у нормального 0). Используйте rng.normal."
            )
    return success


watch_cells()
