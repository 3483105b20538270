"""Readable, deterministic witnesses.

A raw z3 model is whatever the search found. :class:`Refiner` narrows it by
adding preferences one at a time and keeping each that stays satisfiable:
flags false, a DNS name before an address, the lowest tool/host/address,
``https`` before ``http``, port 443 then 80 then the lowest, then (when the
policy scopes below the host) ``GET`` and the path ``/``, else the first path prefix. The result does
not depend on solver heuristics, so tests can assert exact witnesses.
"""

from __future__ import annotations

from typing import Sequence

from .encode import IPV4, IPV6, MAX_APPROVALS, NAME, Encoder


class Refiner:
    """Adds preferences to a solver inside one push scope; :meth:`model` then :meth:`close`."""

    def __init__(self, solver, assumptions: Sequence = ()):
        import z3

        self.z3 = z3
        self.solver = solver
        self.assumptions = list(assumptions)
        self.solver.push()

    def prefer(self, term) -> bool:
        """Add ``term`` for good if still satisfiable."""
        self.solver.push()
        self.solver.add(term)
        ok = self.solver.check(*self.assumptions) == self.z3.sat
        self.solver.pop()
        if ok:
            self.solver.add(term)
        return ok

    def minimize_bv(self, var, start_hi: int) -> None:
        """Pin bit-vector ``var`` to its least satisfiable value (unsigned), by bisection."""
        z3, w = self.z3, var.size()
        lo, hi = 0, start_hi
        while lo < hi:
            mid = (lo + hi) // 2
            if self.prefer_probe(z3.ULE(var, z3.BitVecVal(mid, w, var.ctx))):
                hi = mid
            else:
                lo = mid + 1
        self.prefer(var == z3.BitVecVal(lo, w, var.ctx))

    def prefer_probe(self, term) -> bool:
        """Would ``term`` stay satisfiable? (not kept)"""
        self.solver.push()
        self.solver.add(term)
        ok = self.solver.check(*self.assumptions) == self.z3.sat
        self.solver.pop()
        return ok

    def model(self):
        """The model after all preferences (``None`` if the solver now gives up)."""
        if self.solver.check(*self.assumptions) != self.z3.sat:
            return None
        return self.solver.model()

    def close(self) -> None:
        self.solver.pop()


def _value(model, term) -> int:
    return model.eval(term, model_completion=True).as_long()


def refine_egress(solver, enc: Encoder, assumptions: Sequence, model, light: bool = False):
    """A minimal readable model of the current egress query (``model`` is a first sat model).

    Bisection starts from each field's full range rather than from the
    current model, because fetching a model costs more than a few checks.
    ``light`` keeps the cheap preferences only (flags false, a name, https,
    port 443 or 80) and skips the bisections: for the many witnesses of a
    policy with hundreds of offending rules. Still deterministic.
    """
    z3 = enc.z3
    ref = Refiner(solver, assumptions)
    try:
        for _, var in sorted(enc.flag.items()):
            ref.prefer(z3.Not(var))
        kind = NAME if ref.prefer(enc.kind == enc.bv(NAME, 2)) else (
            IPV4 if ref.prefer(enc.kind == enc.bv(IPV4, 2)) else IPV6)
        if light:
            for scheme in ("https", "http"):
                if scheme in enc.u.scheme_index and ref.prefer(enc.scheme == enc.bv(enc.u.scheme_index[scheme], enc.w_scheme)):
                    break
            ref.prefer(enc.port == enc.bv(443, 16)) or ref.prefer(enc.port == enc.bv(80, 16))
            if enc.u.scoped:
                ref.prefer(enc.method == enc.bv(0, enc.w_method))
                ref.prefer(enc.path == enc.bv(enc.u.paths.other, enc.w_path))
            for a, var in enc.attr.items():
                ref.prefer(var == enc.bv(len(enc.u.attributes[a]), var.size()))
            return ref.model() or model
        ref.minimize_bv(enc.tool, len(enc.u.tools) - 1)
        if kind == NAME:
            ref.minimize_bv(enc.host, len(enc.u.hosts) - 1)
        elif kind == IPV4:
            ref.minimize_bv(enc.ip4, (1 << 32) - 1)
        else:
            ref.minimize_bv(enc.ip6, (1 << 128) - 1)
        for scheme in ("https", "http"):
            if scheme in enc.u.scheme_index and ref.prefer(enc.scheme == enc.bv(enc.u.scheme_index[scheme], enc.w_scheme)):
                break
        else:
            ref.minimize_bv(enc.scheme, len(enc.u.schemes) - 1)
        if not (ref.prefer(enc.port == enc.bv(443, 16)) or ref.prefer(enc.port == enc.bv(80, 16))):
            ref.minimize_bv(enc.port, 65535)
        if enc.u.scoped:  # GET before an upload; the path "/" (under no prefix), else the first prefix
            ref.minimize_bv(enc.method, len(enc.u.methods) - 1)
            ref.minimize_bv(enc.path, len(enc.u.paths) - 1)
        for a, var in enc.attr.items():  # a value no rule names, else the first named one
            if not ref.prefer(var == enc.bv(len(enc.u.attributes[a]), var.size())):
                ref.minimize_bv(var, len(enc.u.attributes[a]))
        return ref.model() or model
    finally:
        ref.close()


def refine_admin(solver, enc: Encoder, assumptions: Sequence, model):
    """A minimal readable model of the current admin query."""
    z3 = enc.z3
    ref = Refiner(solver, assumptions)
    try:
        ref.prefer(z3.Not(enc.opt_in))
        ref.prefer(z3.Not(enc.author))
        ref.minimize_bv(enc.approvals, MAX_APPROVALS)
        if not ref.prefer(enc.env == enc.bv(len(enc.u.environments), enc.w_env)):
            ref.minimize_bv(enc.env, len(enc.u.environments))
        ref.minimize_bv(enc.op, max(len(enc.u.operations) - 1, 0))
        if enc.u.admin_named:  # a principal no grant names, else the first named one
            if not ref.prefer(enc.who == enc.bv(len(enc.u.admin_principals), enc.who.size())):
                ref.minimize_bv(enc.who, len(enc.u.admin_principals))
        return ref.model() or model
    finally:
        ref.close()
