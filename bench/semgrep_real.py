"""Precision and recall of the Semgrep pack on real ML repositories, beside Bandit.

Inputs (outside the project):

- the repositories, extracted as git work trees under ``--cache`` (default
  ``/work/cache/semgrep/src/<owner>+<name>``). ``--extract`` makes them from bare
  mirrors (``/work/.mirror/<owner>+<name>/repo``, as the search tool's ``fetch``
  leaves them): the ``.py`` files (and notebooks, ``.pyx``, ``.pxd``, ``.pyw``) of HEAD through ``git archive``, and an index of
  every tracked file (``git read-tree`` with the mirror as alternate), so that
  ``git ls-files`` answers what the repository tracks;
- the hand labels, ``bench/semgrep_real_labels.txt``: one site a line,
  ``<owner>+<name> <path>:<line> <hazard|safe> <reason>``. "hazard" (strict): the
  loaded/evaluated/executed data is not fixed by the repository (a user path, a
  download, a run-time argument); "safe": it is (a tracked file, data the same
  function wrote, a literal, FullLoader on PyYAML >= 5.4, ...).

For each family the candidates are the sites any tool flags: the pack's raw
Semgrep matches (before the post-analysis), the check's findings and Bandit's
results for the same hazard. Only error-severity findings of the check count
as flagged (warnings do not block). Precision = labelled hazards flagged /
labelled sites flagged; recall = labelled hazards flagged / labelled hazards.
Unlabelled candidates are counted and listed with ``--unlabelled``.

The public semgrep-rules column runs the rules of a local checkout of
github.com/semgrep/semgrep-rules (``--public-rules``, outside the project; the
registry is not reachable offline) for the same families: ``PUBLIC_RULES`` names
the files (no public rule looks at ``torch.load``). Their ``pickle.$FUNC(...)``
rules also match writers (``pickle.dump``/``dumps``, ``Pickler``, ``marshal.dump``):
such a site, which loads nothing, counts as a flagged non-hazard of the deserialising
families, without a hand label and whatever the hand label of its line says (that
one is about a non-atomic write there): "writers (auto)" in the output.

Each tool's sites can be saved per repository (``--save DIR``, JSON) and read back
instead of running the tool again (``--reuse NAME ...``), so that a change to the
check re-runs only the check.

Run: ``python bench/semgrep_real.py [--extract] [--unlabelled] [--public-rules DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Set, Tuple

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "bench" / "semgrep_real_labels.txt"
REPOS = (
    "karpathy+nanoGPT", "openai+whisper", "openai+CLIP", "ultralytics+yolov5", "lm-sys+FastChat",
    "huggingface+accelerate", "facebookresearch+detectron2", "EleutherAI+lm-evaluation-harness",
    "huggingface+diffusers", "facebookresearch+fairseq", "huggingface+peft", "Lightning-AI+pytorch-lightning",
)

#: family -> (our Semgrep rule ids, Bandit test ids)
FAMILIES = {
    "torch.load": ({"torch-load-without-weights-only"}, {"B614"}),
    "pickle": ({"pickle-load-untrusted", "joblib-load-untrusted", "numpy-load-allow-pickle"}, {"B301"}),
    "yaml": ({"yaml-unsafe-load", "yaml-full-load"}, {"B506"}),
    "shell": ({"shell-command-non-literal"}, {"B602", "B605"}),
    "eval/exec": ({"eval-exec-non-literal"}, {"B307", "B102"}),
    # a labelled sample only (recall is not meaningful: no other tool looks for it)
    "non-atomic write": ({"non-atomic-checkpoint-write"}, set()),
}
#: semgrep-rules files (relative to the checkout) -> the family of every rule they hold
PUBLIC_RULES = {
    "python/lang/security/deserialization/pickle.yaml": "pickle",  # pickle, cPickle, dill, shelve
    "python/lang/security/deserialization/avoid-jsonpickle.yaml": "pickle",
    "python/lang/security/audit/marshal.yaml": "pickle",
    "python/lang/security/deserialization/avoid-pyyaml-load.yaml": "yaml",
    "python/lang/security/audit/eval-detected.yaml": "eval/exec",
    "python/lang/security/audit/exec-detected.yaml": "eval/exec",
    "python/lang/security/audit/subprocess-shell-true.yaml": "shell",
    "python/lang/security/audit/dangerous-system-call-audit.yaml": "shell",
}
#: calls that serialise (the public pickle rules match every ``pickle.$FUNC(...)``)
WRITERS = {"dump", "dumps", "Pickler", "encode"}
UNSAFE_LOADS = ("torch.load", "pickle")
WARNING_FAMILIES = ("non-atomic write",)

Site = Tuple[str, str, int]  # (repo, path, line)
#: what --extract takes from each repository: Python and the other sources the post-analysis reads
#: (a notebook or extension source that names a function keeps its evals' findings)
SOURCES = tuple(f":(glob)**/*{suffix}" for suffix in (".py", ".ipynb", ".pyx", ".pxd", ".pyw"))


def tool(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def extract(cache: Path, mirrors: Path) -> None:
    for repo in REPOS:
        mirror, work = mirrors / repo / "repo", cache / repo
        if (work / ".git").exists():
            continue
        if not mirror.exists():
            print(f"{repo}: no mirror at {mirror} (fetch github:{repo.replace('+', '/')} first)", file=sys.stderr)
            continue
        work.mkdir(parents=True, exist_ok=True)
        head = subprocess.run(["git", f"--git-dir={mirror}", "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        for source in SOURCES:  # one archive each: a pattern that matches nothing fails the whole archive
            archive = subprocess.Popen(["git", f"--git-dir={mirror}", "archive", head, "--", source],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            subprocess.run(["tar", "-x", "-C", str(work)], stdin=archive.stdout, check=False, stderr=subprocess.DEVNULL)
            archive.wait()
        subprocess.run(["git", "init", "-q"], cwd=work, check=True)
        (work / ".git" / "objects" / "info" / "alternates").write_text(f"{mirror / 'objects'}\n")
        subprocess.run(["git", "read-tree", head], cwd=work, check=False, capture_output=True)
        (cache / f"{repo}.commit").write_text(head + "\n")


def family_of_rule(rule: str) -> str:
    for family, (ours, _) in FAMILIES.items():
        if rule in ours:
            return family
    return ""


def family_of_bandit(test_id: str) -> str:
    for family, (_, bandit) in FAMILIES.items():
        if test_id in bandit:
            return family
    return ""


def semgrep_sites(work: Path, configs: List[Path], state: Path, family_of) -> Dict[str, Set[Site]]:
    """Sites of ``configs``' matches in the tracked ``.py`` files, by family (``family_of(rule id)``)."""
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=work, capture_output=True, text=True).stdout.split()
    files = [f for f in files if (work / f).is_file()]
    env = {**os.environ, "SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0",
           "SEMGREP_SETTINGS_FILE": str(state / "settings.yml"), "SEMGREP_LOG_FILE": str(state / "log")}
    out: Dict[str, Set[Site]] = defaultdict(set)
    config_args = [arg for config in configs for arg in ("--config", str(config))]
    for start in range(0, len(files), 2000):
        proc = subprocess.run([tool("semgrep"), "scan", "--experimental", "--json", "--quiet", "--metrics=off",
                               "--disable-version-check", "--no-git-ignore", "--timeout", "0",
                               *config_args, "--", *files[start:start + 2000]],
                              cwd=work, capture_output=True, text=True, env=env)
        for result in json.loads(proc.stdout)["results"]:
            family = family_of(result["check_id"].rsplit(".", 1)[-1])
            if family:
                out[family].add((work.name, result["path"], result["start"]["line"]))
    return out


def raw_semgrep(work: Path, rules_file: Path, state: Path) -> Dict[str, Set[Site]]:
    return semgrep_sites(work, [rules_file], state, family_of_rule)


def public_rules(work: Path, checkout: Path, state: Path) -> Dict[str, Set[Site]]:
    ids: Dict[str, str] = {}
    import yaml

    for relative, family in PUBLIC_RULES.items():
        for rule in yaml.safe_load((checkout / relative).read_text(encoding="utf-8"))["rules"]:
            ids[rule["id"]] = family
    return semgrep_sites(work, [checkout / relative for relative in PUBLIC_RULES], state, ids.get)


def writer_sites(cache: Path, sites: Set[Site]) -> Set[Site]:
    """The sites whose statement calls only serialisers of the pickle family (``pickle.dumps``, ``pkl.dump``
    after ``import pickle as pkl``, ...), no loader."""
    import ast

    modules = {"pickle", "_pickle", "cPickle", "dill", "marshal", "jsonpickle", "cloudpickle"}
    found = set()
    for repo, path, line in sites:
        try:
            tree = ast.parse((cache / repo / path).read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        names = set(modules)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.asname for alias in node.names if alias.name in modules and alias.asname}
        for node in ast.walk(tree):
            if isinstance(node, ast.stmt) and node.lineno <= line <= node.end_lineno \
                    and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For,
                                              ast.While, ast.With, ast.Try)):
                called = {n.func.attr for n in ast.walk(node)
                          if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                          and isinstance(n.func.value, ast.Name) and n.func.value.id in names}
                if called and called <= WRITERS:
                    found.add((repo, path, line))
    return found


def ours(work: Path) -> Dict[str, Set[Site]]:
    proc = subprocess.run([tool("governance-hooks"), "semgrep", "--repo", str(work), "--format", "json",
                           "--budget", "3600"], capture_output=True, text=True)
    out: Dict[str, Set[Site]] = defaultdict(set)
    for finding in json.loads(proc.stdout)["findings"]:
        family = family_of_rule(finding["rule_id"].split("/", 1)[1])
        # the non-atomic write rule is a warning by design: its sample counts what the check reports
        if family and (finding["severity"] == "error" or family in WARNING_FAMILIES):
            out[family].add((work.name, finding["path"], finding["line"]))
    return out


def bandit(work: Path) -> Dict[str, Set[Site]]:
    proc = subprocess.run([tool("bandit"), "-q", "-f", "json", "-r", "."], cwd=work, capture_output=True, text=True)
    out: Dict[str, Set[Site]] = defaultdict(set)
    for result in json.loads(proc.stdout)["results"]:
        family = family_of_bandit(result["test_id"])
        if family:
            path = os.path.normpath(result["filename"]).replace(os.sep, "/")
            out[family].add((work.name, path, result["line_number"]))
    return out


_STATEMENT_STARTS: Dict[Tuple[str, str], Dict[int, int]] = {}


def statement_start(cache: Path, site: Site) -> Site:
    """The site moved to the first line of the innermost statement holding it: Bandit reports a
    multi-line call at the line of its ``shell=True``, Semgrep at the call's first line."""
    import ast

    repo, path, line = site
    key = (repo, path)
    if key not in _STATEMENT_STARTS:
        starts: Dict[int, int] = {}
        try:
            tree = ast.parse((cache / repo / path).read_bytes())
        except (OSError, SyntaxError, ValueError):
            tree = None
        spans = sorted(((n.end_lineno - n.lineno, n.lineno, n.end_lineno) for n in ast.walk(tree)
                        if isinstance(n, ast.stmt)), reverse=True) if tree else []
        for _, first, last in spans:  # widest first, so the innermost statement wins
            for number in range(first, last + 1):
                starts[number] = first
        _STATEMENT_STARTS[key] = starts
    return repo, path, _STATEMENT_STARTS[key].get(line, line)


def read_labels() -> Dict[Site, str]:
    labels: Dict[Site, str] = {}
    for number, line in enumerate(LABELS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        repo, where, label, _reason = line.split(maxsplit=3)
        path, _, lineno = where.rpartition(":")
        if label not in ("hazard", "safe"):
            sys.exit(f"{LABELS}:{number}: label must be hazard or safe, not {label!r}")
        labels[(repo, path, int(lineno))] = label
    return labels


def ratio(num: int, den: int) -> str:
    return f"{num / den:.2f}" if den else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/semgrep/src"))
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--extract", action="store_true", help="extract the repositories from their mirrors first")
    parser.add_argument("--repos", nargs="*", default=None, help="only these <owner>+<name> (default: all labelled)")
    parser.add_argument("--unlabelled", action="store_true", help="list candidate sites without a label")
    parser.add_argument("--public-rules", type=Path, default=None,
                        help="a checkout of github.com/semgrep/semgrep-rules (adds its column)")
    parser.add_argument("--save", type=Path, default=None, help="write each tool's sites to DIR/<tool>/<repo>.json")
    parser.add_argument("--reuse", nargs="*", default=(), metavar="TOOL",
                        help="read these tools' sites from --save instead of running them: "
                             "raw, ours, bandit, public")
    args = parser.parse_args()
    if args.extract:
        extract(args.cache, args.mirrors)
    sys.path.insert(0, str(ROOT / "src"))
    from governance_hooks.semgrep.pack import load_rules, pack_dir
    import yaml

    labels = {statement_start(args.cache, site): label for site, label in read_labels().items()}
    repos = args.repos or sorted({repo for repo, _, _ in labels})
    names = {"raw": "raw semgrep (pack)", "ours": "governance-hooks", "bandit": "bandit",
             "public": "semgrep-rules"}
    short = ["raw", "ours", "bandit"] + (["public"] if args.public_rules else [])
    tools: Dict[str, Dict[str, Set[Site]]] = {names[n]: defaultdict(set) for n in short}
    with tempfile.TemporaryDirectory(prefix="semgrep-real-") as scratch:
        rules_file = Path(scratch) / "rules.yaml"
        rules_file.write_text(yaml.safe_dump({"rules": load_rules(pack_dir())}, sort_keys=False))
        runs = {"raw": lambda w: raw_semgrep(w, rules_file, Path(scratch)), "ours": ours, "bandit": bandit,
                "public": lambda w: public_rules(w, args.public_rules, Path(scratch))}
        for repo in repos:
            work = args.cache / repo
            if not work.is_dir():
                print(f"{repo}: missing under {args.cache} (run with --extract)", file=sys.stderr)
                continue
            for name in short:
                saved = args.save / name / f"{repo}.json" if args.save else None
                if name in args.reuse and saved is not None and saved.exists():
                    found = {family: {tuple(site) for site in sites}
                             for family, sites in json.loads(saved.read_text()).items()}
                else:
                    found = runs[name](work)
                    if saved is not None:
                        saved.parent.mkdir(parents=True, exist_ok=True)
                        saved.write_text(json.dumps({f: sorted(v) for f, v in found.items()}))
                for family, sites in found.items():
                    tools[names[name]][family] |= {statement_start(args.cache, site) for site in sites}
    families = list(FAMILIES) + ["all unsafe loads"]

    def sites_of(name: str, family: str) -> Set[Site]:
        if family == "all unsafe loads":
            return set().union(*(tools[name][f] for f in UNSAFE_LOADS))
        return tools[name][family]

    # Writers the public pickle rules flag load nothing: non-hazards of the deserialising families, whatever
    # their hand label says (a label there may be about the same line's non-atomic write).
    writers: Set[Site] = set()
    if "semgrep-rules" in tools:
        writers = writer_sites(args.cache, set(tools["semgrep-rules"]["pickle"]))
    load_labels = {**labels, **{site: "safe" for site in writers}}

    print(f"{len(repos)} repositories: {', '.join(repos)}")
    if writers:
        print(f"writers (auto): {len(writers)} sites the public pickle rules flag call only dump/dumps/Pickler/encode"
              f" ({len(writers & set(labels))} of them hand-labelled for a non-atomic write)")
    print(f"{'family':<18} {'labelled':>8} {'hazards':>8} {'unlab.':>6}   "
          + "   ".join(f"{name + ' P / R':>28}" for name in tools))
    missing: List[Site] = []
    for family in families:
        candidates = set().union(*(sites_of(name, family) for name in tools))
        chosen = load_labels if family in UNSAFE_LOADS + ("all unsafe loads",) else labels
        labelled = {s for s in candidates if s in chosen}
        hazards = {s for s in labelled if chosen[s] == "hazard"}
        missing += sorted(candidates - labelled)
        cells = []
        for name in tools:
            flagged = sites_of(name, family) & labelled
            cells.append(f"{ratio(len(flagged & hazards), len(flagged)):>6} / {ratio(len(flagged & hazards), len(hazards)):<6}"
                         f" ({len(flagged):>3} flagged)")
        print(f"{family:<18} {len(labelled):>8} {len(hazards):>8} {len(candidates - labelled):>6}   "
              + "   ".join(f"{c:>28}" for c in cells))
    if args.unlabelled:
        for repo, path, line in sorted(set(missing)):
            print(f"unlabelled: {repo} {path}:{line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
