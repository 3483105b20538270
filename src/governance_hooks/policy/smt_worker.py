"""Child process that runs one SMT-LIB2 program with z3 (used by :mod:`.smtlib`).

Some inputs make z3 spin in phases that ignore ``rlimit`` and ``timeout``
(e.g. rewriting long chains of ``bvmul`` definitions) or even crash it, so
raw SMT files never run in the checking process: this worker runs under a
CPU-time and address-space limit and the parent adds a wall-clock timeout.

Protocol: one JSON object on stdin ``{"program", "named": [[index, name]],
"rlimit", "seed", "cpu_seconds"}``; one JSON object on stdout
``{"result": "sat"|"unsat"|"unknown"|"error", "model": [[name, value]],
"core": [index], "reason": str}``.
"""

from __future__ import annotations

import json
import sys

MEMORY_BYTES = 3 * 1024 ** 3


def _limit(cpu_seconds: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return
    for kind, value in ((resource.RLIMIT_CPU, cpu_seconds), (resource.RLIMIT_AS, MEMORY_BYTES)):
        try:
            soft, hard = resource.getrlimit(kind)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(kind, (cap, hard))
        except (ValueError, OSError):
            pass


def run(request: dict) -> dict:
    """Parse and check ``request["program"]``; see the module docstring for the shapes."""
    import z3

    z3.set_param("memory_max_size", MEMORY_BYTES // (1024 ** 2) - 512)
    ctx = z3.Context()
    try:
        formulas = z3.parse_smt2_string(request["program"], ctx=ctx)
    except z3.Z3Exception as exc:
        reason = getattr(exc, "value", exc)
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        return {"result": "error", "reason": " ".join(str(reason).split())}
    named = {int(i): name for i, name in request["named"]}
    if len(formulas) != request["assertions"]:
        return {"result": "error", "reason": f"parsed {len(formulas)} assertions, expected {request['assertions']}"}
    solver = z3.Solver(ctx=ctx)
    solver.set("random_seed", request["seed"])
    solver.set("rlimit", request["rlimit"])
    trackers = {}
    tracker_decls = set()
    for index, formula in enumerate(formulas):
        if index in named:
            label = z3.FreshBool("core", ctx)  # a fresh declaration: cannot clash with the file's names
            trackers[label.get_id()] = index
            tracker_decls.add(label.decl().get_id())
            solver.assert_and_track(formula, label)
        else:
            solver.add(formula)
    result = solver.check()
    if result == z3.unknown:
        return {"result": "unknown", "reason": solver.reason_unknown()}
    if result == z3.sat:
        model = solver.model()
        entries = sorted((str(d.name()), model[d].sexpr()) for d in model.decls()
                         if d.arity() == 0 and d.get_id() not in tracker_decls)
        return {"result": "sat", "model": entries}
    core = sorted(trackers[c.get_id()] for c in solver.unsat_core() if c.get_id() in trackers)
    return {"result": "unsat", "core": core}


def main() -> int:
    request = json.loads(sys.stdin.read())
    _limit(int(request.get("cpu_seconds", 60)))
    try:
        answer = run(request)
    except MemoryError:
        answer = {"result": "unknown", "reason": "memory limit"}
    except Exception as exc:  # noqa: BLE001 - reported by the parent as an incomplete analysis
        answer = {"result": "unknown", "reason": f"{type(exc).__name__}: {exc}"[:300]}
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
