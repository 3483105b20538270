"""Dataset manifest check: prove the files under a dataset root are exactly the listed shards.

Modules, in data-flow order:

* :mod:`.parse_json`, :mod:`.parse_sums`: manifest bytes -> :class:`.model.Manifest`
  (entries with positions, plus the manifest's own defects);
* :mod:`.paths`: path safety, caseless collisions, the ``--shard K/N`` split;
* :mod:`.tree`: one walk of the dataset root (file stats, symlinks that escape);
* :mod:`.hasher` and :mod:`.cache`: parallel sha256 with a racy-safe stat cache;
* :mod:`.audit`: the verdicts (ok, changed, missing, new, moved, ...);
* :mod:`.verdicts`: verdicts -> :class:`governance_hooks.findings.Finding`;
* :mod:`.build`: deterministic manifests and the ``--update`` diff;
* :mod:`.command`: the CLI adapter.
"""
