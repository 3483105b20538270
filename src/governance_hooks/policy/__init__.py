"""SMT policy check: prove a network, admin-operation and tracking policy with z3.

The pipeline is ``yamlload`` (safe YAML with line numbers) -> ``parse`` (a typed
:mod:`model`) -> ``encode`` (z3 terms over a finite request universe) ->
``prove`` (one satisfiability query per invariant, witnesses replayed through
``evaluate``) -> findings. ``conformance`` checks the repository's configured
endpoints against the policy; ``smtlib`` runs raw SMT-LIB2 policy files.
"""
