"""``governance-hooks run`` and ``governance-hooks report``: every check in one pass.

Modules, each with one job:

* :mod:`.changes`: the files a pull request or a commit touches (git);
* :mod:`.selection`: which checks are enabled, and why the others are skipped;
* :mod:`.engine`: runs the checks through the CLI's own adapter, isolating failures;
* :mod:`.baseline`: accepted findings of a legacy repository (JSON, fingerprints);
* :mod:`.audit`: the capability matrix (Markdown and JSON), byte-reproducible;
* :mod:`.run_command` / :mod:`.report_command`: the two subcommands.
"""
