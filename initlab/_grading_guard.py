"""The kernel-side guard of ``initlab grade``.

This file is never imported by the grader: the grader reads its text and executes it
inside the grading kernel, in a private namespace, as the very first cell (before any
student code runs). ``install`` takes a snapshot of everything a check relies on; each
graded cell is then run as ``<guard>.run_check(source, key, imports)``, which

1. restores the snapshot: the builtins module, the modules the checks and the master
   notebook use (their attributes, their entries in ``sys.modules``, the classes of the
   check modules), ``sys.stdout``/``stderr``/``displayhook``/``excepthook``, the IPython
   shell's hooks and transformers, and the notebook's names: names that shadow a builtin
   are removed and the master's imports are executed again (so ``checks = Fake()`` or
   ``del checks`` are undone);
2. runs the master's source of the graded cell in the notebook's namespace, with the
   value of its last expression displayed as IPython would (nbgrader's partial credit);
3. verifies that nothing it restored was replaced while the check ran (a student's
   function or object called by the check could patch the checks from inside); if
   something was, the cell fails;
4. prints a token line: an HMAC, with a secret that never appears in any cell the kernel
   receives, of the cell key and the text of the last expression's value (nbgrader's
   partial credit is read from that text, so the displayhook cannot be used to hide
   it). The grader counts a graded cell as passed only if it shows no error and a valid
   token: a student who replaces ``run_cell``, ``showtraceback`` or the guard itself
   makes the check fail, not pass.

The guard's own functions resolve builtins from a private copy, so patching
``builtins`` does not affect them. This is a defence against tampering by the graded
code, not a sandbox: an adversary who studies this file and targets it can defeat any
in-process guard (the complete defence is a separate process per check). The cells and
outputs of every submission stay available for review.
"""


# Executing the graded code and surviving its failures is the point of this file.
# ruff: noqa: BLE001, S102, S110

_MISSING = object()


def install(key, secret, roots, check_modules=None):
    """Snapshot the environment; register the guard as ``sys.modules[key]``.

    ``check_modules``: the ``initlab.checks`` submodules the assignment uses (None: all of
    them). Importing only those keeps a kernel's start short (ch07 alone pulls in scipy).
    """
    import ast
    import builtins
    import hashlib
    import hmac
    import importlib
    import json
    import pkgutil
    import sys
    import types

    import IPython.lib.pretty
    from IPython import get_ipython
    from IPython.lib.pretty import pretty

    g = globals()
    g["__builtins__"] = dict(vars(builtins))  # the guard's private builtins
    shell = get_ipython()

    # Import what the checks need before taking the snapshot.
    for name in ["initlab.checks", *roots]:
        try:
            importlib.import_module(name)
        except Exception:
            pass
    pkg = sys.modules.get("initlab.checks")
    if pkg is not None and hasattr(pkg, "__path__"):
        for info in pkgutil.iter_modules(pkg.__path__, "initlab.checks."):
            if check_modules is not None and info.name.rsplit(".", 1)[1] not in check_modules:
                continue
            try:
                importlib.import_module(info.name)
            except Exception:
                pass

    root_set = {"initlab"} | {name.split(".")[0] for name in roots}
    for name, mod in list(sys.modules.items()):  # the modules the check modules use
        if name == "initlab" or name.startswith("initlab."):
            for value in list(vars(mod).values()):
                if isinstance(value, types.ModuleType):
                    root_set.add(value.__name__.split(".")[0])
                elif isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)):
                    root_set.add(str(getattr(value, "__module__", "") or "").split(".")[0])
    # the kernel's own machinery is left alone (the token covers tampering with it)
    root_set -= {"", "builtins", "sys", "IPython", "ipykernel", "jupyter_client", "zmq",
                 "tornado", "traitlets", "asyncio", "threading", "importlib", "_frozen_importlib",
                 "_frozen_importlib_external", "__main__", "__future__", "_initlab_guard"}

    modules = {"IPython.lib.pretty": (IPython.lib.pretty, dict(vars(IPython.lib.pretty)))}
    classes = {}
    for name, mod in list(sys.modules.items()):
        if not isinstance(mod, types.ModuleType) or name.split(".")[0] not in root_set:
            continue
        modules[name] = (mod, dict(vars(mod)))
        if name == "initlab" or name.startswith("initlab.") or name in roots:
            for value in list(vars(mod).values()):
                if isinstance(value, type) and value.__module__ == name:
                    classes[value] = dict(vars(value))

    state = types.SimpleNamespace(
        builtins_mod=builtins,
        builtins=dict(vars(builtins)),
        modules=modules,
        classes=classes,
        sys_attrs={n: getattr(sys, n) for n in ("stdout", "stderr", "displayhook", "excepthook")},
        sys=sys,
        shell=shell,
        shell_keys=set(vars(shell)),
        events={k: list(v) for k, v in shell.events.callbacks.items()},
        lists={
            n: list(getattr(shell, n))
            for n in ("ast_transformers", "input_transformers_cleanup", "input_transformers_post")
            if isinstance(getattr(shell, n, None), list)
        },
        user_ns=shell.user_ns,
        user_keys=set(shell.user_ns),
        ast=ast,
        secret=secret.encode(),
        hmac=hmac,
        hashlib=hashlib,
        json=json,
        pretty=pretty,
    )
    guard = types.SimpleNamespace(run_check=lambda src, cell_key, imports=(): _run(
        state, src, cell_key, imports))
    sys.modules[key] = guard


def _restore(s):
    bd = vars(s.builtins_mod)
    for k in list(bd):
        if k not in s.builtins:
            del bd[k]
    for k, v in s.builtins.items():
        if bd.get(k, _MISSING) is not v:
            bd[k] = v
    for name, (mod, snap) in s.modules.items():
        s.sys.modules[name] = mod
        d = vars(mod)
        for k in list(d):
            if k not in snap and k in s.builtins:  # a new global shadowing a builtin
                del d[k]
        for k, v in snap.items():
            if d.get(k, _MISSING) is not v:
                d[k] = v
    for cls, snap in s.classes.items():
        for k in list(vars(cls)):
            if k not in snap:
                try:
                    delattr(cls, k)
                except (AttributeError, TypeError):
                    pass
        for k, v in snap.items():
            if vars(cls).get(k, _MISSING) is not v:
                try:
                    setattr(cls, k, v)
                except (AttributeError, TypeError):
                    pass
    for n, v in s.sys_attrs.items():
        setattr(s.sys, n, v)
    shell = s.shell
    for k in list(vars(shell)):
        if k not in s.shell_keys and hasattr(type(shell), k):
            delattr(shell, k)
    for k, v in s.events.items():
        shell.events.callbacks[k] = list(v)
    for n, v in s.lists.items():
        getattr(shell, n)[:] = v
    ns = s.user_ns
    ns["__builtins__"] = s.builtins_mod
    for k in list(ns):
        if k in s.builtins and k not in s.user_keys:
            del ns[k]


def _changes(s):
    """Names of callables, classes and modules replaced or deleted since the snapshot."""
    changed = []
    kinds = (type(_restore), type(len), type, type(s.sys))
    for k, v in s.builtins.items():
        if vars(s.builtins_mod).get(k, _MISSING) is not v:
            changed.append(f"builtins.{k}")
    for name, (mod, snap) in s.modules.items():
        if s.sys.modules.get(name) is not mod:
            changed.append(f"sys.modules[{name!r}]")
        d = vars(mod)
        for k, v in snap.items():
            if (callable(v) or isinstance(v, kinds)) and d.get(k, _MISSING) is not v:
                changed.append(f"{name}.{k}")
        for k in d:
            if k not in snap and k in s.builtins:
                changed.append(f"{name}.{k}")
    for cls, snap in s.classes.items():
        for k, v in snap.items():
            if callable(v) and vars(cls).get(k, _MISSING) is not v:
                changed.append(f"{cls.__module__}.{cls.__qualname__}.{k}")
    return changed


class TamperingDetected(Exception):
    """Raised when the graded code replaced a check function while the check ran."""


def _run(s, src, cell_key, imports):
    _restore(s)
    ns = s.user_ns
    for stmt in imports:
        try:
            exec(stmt, ns)
        except Exception:
            pass
    ast = s.ast
    code = s.shell.transform_cell(src)
    tree = ast.parse(code)
    body, last = tree.body, None
    if body and isinstance(body[-1], ast.Expr):
        body, last = body[:-1], body[-1]
    filename = f"<проверка {cell_key}>"
    if body:
        exec(compile(ast.Module(body=body, type_ignores=[]), filename, "exec"), ns)
    text = None
    if last is not None:
        value = eval(compile(ast.Expression(body=last.value), filename, "eval"), ns)
        if value is not None:
            text = s.pretty(value)[:1000]
            try:
                s.sys_attrs["displayhook"](value)  # shown like IPython's Out[...]
            except Exception:
                pass
    changed = _changes(s)
    _restore(s)
    if changed:
        raise TamperingDetected(
            "Во время проверки были подменены проверяющие функции ("
            + ", ".join(changed[:5]) + "); задание не засчитано."
        )
    payload = s.json.dumps(text, ensure_ascii=True)
    msg = f"{cell_key}\x00{payload}".encode()
    mac = s.hmac.new(s.secret, msg, s.hashlib.sha256).hexdigest()[:32]
    out = s.sys_attrs["stdout"]
    out.write(f"\n[initlab:{mac}:{payload}]\n")
    out.flush()
