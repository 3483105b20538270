"""Rule registry of the checkpoint check (cheap to import: ``--list-rules`` and SARIF read it)."""

from __future__ import annotations

from ..findings import Severity
from ..rules import Rule

CODE_EXECUTION = "checkpoint/code-execution"
UNSAFE_GLOBAL = "checkpoint/unsafe-global"
MALFORMED_PICKLE = "checkpoint/malformed-pickle"
UNREADABLE_CONTAINER = "checkpoint/unreadable-container"
DECOMPRESSION_BOMB = "checkpoint/decompression-bomb"
ANALYSIS_INCOMPLETE = "checkpoint/analysis-incomplete"
TRAILING_DATA = "checkpoint/trailing-data"
NOT_WEIGHTS_ONLY = "checkpoint/not-weights-only"
POLYGLOT = "checkpoint/polyglot"
LFS_NOT_SCANNED = "checkpoint/lfs-not-scanned"
SAFETENSORS_HEADER = "checkpoint/safetensors-header"
DIGEST_MISMATCH = "checkpoint/digest-mismatch"
MISSING_FILE = "checkpoint/missing-file"
MALFORMED_METADATA = "checkpoint/malformed-metadata"
INDEX_ORDER = "checkpoint/index-order"
INDEX_TOO_MANY = "checkpoint/index-too-many"
PATH_ESCAPE = "checkpoint/path-escape"

RULES = (
    Rule(
        CODE_EXECUTION, Severity.ERROR,
        "Loading this file executes code: it imports or calls a known-dangerous callable.",
        "The pickle stream names a callable that runs commands or code when the file is loaded "
        "(os.system, subprocess, exec/eval, runpy, importlib, pickle.loads, getattr gadgets, ...), or "
        "mutates a module or class attribute with BUILD. Loading it with pickle.load, "
        "torch.load(weights_only=False), numpy.load(allow_pickle=True) or joblib.load runs that code. "
        "Do not load the file; re-export the weights as safetensors from a trusted source. "
        "Source: Python pickle documentation, 'Restricting Globals'; the scanner simulates the "
        "pickle machine (stack and memo) and never unpickles.",
    ),
    Rule(
        UNSAFE_GLOBAL, Severity.ERROR,
        "A global off the allowlist is called, handed to a call, traversed or imported: loading can run code.",
        "The unpickler calls whatever the stream names (REDUCE, INST, OBJ, NEWOBJ/NEWOBJ_EX with "
        "arguments, BUILD into __setstate__), so a call of a global off the allowlist can execute code "
        "with attacker-chosen arguments, whatever its name suggests; a denylist of gadgets is always one "
        "behind. Also reported here: a global handed as an argument to a call, a dotted name "
        "(find_class walks attributes part by part), an EXT code not in copyreg's registry, a call "
        "on a computed value, and a global only imported and kept as a value (the import runs the "
        "module's top-level code). Data reconstruction is not a finding: NEWOBJ without arguments or "
        "copyreg._reconstructor(cls, <builtin type>, state) followed by a plain-dict BUILD, and the "
        "library reconstruction functions on the allowlist (torch weights_only, NumPy, pandas, "
        "scikit-learn, joblib). If the named callable is trusted, add it to "
        "[tool.governance-hooks.checkpoint] allow-globals = [\"module:qualname\"]. Source: Python pickle "
        "documentation, 'Restricting Globals'; CPython Lib/pickle.py and Lib/copyreg.py.",
    ),
    Rule(
        MALFORMED_PICKLE, Severity.ERROR,
        "A pickle stream is truncated, has an unknown opcode, a lying frame, or a bad memo or stack use.",
        "The scanner fails closed: a stream it cannot fully parse is never reported clean, because "
        "different unpicklers tolerate different errors and scanners that give up on odd files are "
        "a known bypass. Re-create the file from a trusted source. Source: pickletools opcode table "
        "(Lib/pickletools.py) and PEP 3154 framing.",
    ),
    Rule(
        UNREADABLE_CONTAINER, Severity.ERROR,
        "A zip member, .npy header or compressed stream cannot be read cleanly.",
        "Zip members with encryption or patch flag bits, a local file name that differs from the "
        "central directory, duplicate names, a bad CRC-32, or an unsupported method, and .npy or "
        "compressed joblib streams that do not decode, are read differently by different loaders "
        "(PyTorch's reader ignores some of these). Each is reported and the member is still scanned "
        "as the loader would see it. Source: PKWARE APPNOTE 6.3.10 sections 4.3.7 and 4.4.4; NEP 1.",
    ),
    Rule(
        DECOMPRESSION_BOMB, Severity.ERROR,
        "A compressed stream expands beyond the decompression budget.",
        "Compressed joblib files and zip members are decompressed incrementally with a byte budget "
        "(max-decompressed-mb) and a ratio limit; exceeding either stops the scan of that stream. "
        "Raise the budget for genuinely large files or store them uncompressed.",
    ),
    Rule(
        ANALYSIS_INCOMPLETE, Severity.ERROR,
        "The scan stopped at a work budget before the whole file was analysed.",
        "Pickle simulation is bounded by max-opcodes and nesting limits so that hostile files cannot "
        "hang the hook. A file that was not fully analysed is not reported clean. Raise the budget in "
        "[tool.governance-hooks.checkpoint] if the file is trusted and large.",
    ),
    Rule(
        TRAILING_DATA, Severity.WARNING,
        "Bytes after the last pickle are neither a pickle nor a known data section.",
        "pickle.load stops at STOP, but code that loads several pickles in a row reads on. Bytes that "
        "no known layout accounts for (legacy PyTorch storages and joblib arrays are accounted for) "
        "may hide a second payload. Remove them or re-create the file.",
    ),
    Rule(
        POLYGLOT, Severity.ERROR,
        "The file is a pickle and a zip archive at once.",
        "A pickle with a zip appended is read as the pickle by pickle.load and torch.load (which only "
        "treat files starting with a zip local header as archives) and as the archive by zipfile-based "
        "scanners, so a scanner that picks one view misses the other. Both views are scanned and "
        "reported; no legitimate writer produces such files.",
    ),
    Rule(
        NOT_WEIGHTS_ONLY, Severity.NOTE,
        "This PyTorch checkpoint would not load under torch.load(weights_only=True).",
        "torch.load(weights_only=True) accepts only a subset of opcodes and globals (tensors, storages, "
        "dtypes, OrderedDict, ...). A checkpoint outside that subset forces users onto "
        "weights_only=False, which executes the pickle. Save plain state_dicts, or safetensors. "
        "Source: torch/_weights_only_unpickler.py.",
    ),
    Rule(
        LFS_NOT_SCANNED, Severity.NOTE,
        "A Git LFS pointer stands in for the checkpoint; its content was not scanned.",
        "Only the pointer (oid and size) is in the working tree; integrity is checked against it but "
        "the real bytes are not available to the pickle scanner. Run the check after git lfs pull to "
        "scan the content. Source: git-lfs docs/spec.md.",
    ),
    Rule(
        SAFETENSORS_HEADER, Severity.ERROR,
        "The safetensors header is invalid.",
        "A safetensors file is an 8-byte little-endian header length, a UTF-8 JSON object without "
        "duplicate keys mapping tensor names to {dtype, shape, data_offsets} (plus an optional "
        "__metadata__ string-to-string map), then the data; offsets must be sorted, contiguous, start "
        "at 0 and end at the end of the file, and each span must equal the shape's element count times "
        "the dtype size. Source: huggingface/safetensors README, 'Format'.",
    ),
    Rule(
        DIGEST_MISMATCH, Severity.ERROR,
        "A checkpoint's bytes do not match the sha256 its metadata or best-k index records.",
        "v1: metadata.json sha256 and index.json entries[].sha256; v2: metadata.json digest_sha256, "
        "state.sha256 and a fresh hash of state.pt must all agree (the finding names the one that "
        "disagrees). Git LFS pointers are compared by oid and size. Re-export the checkpoint or fix "
        "the recorded digest.",
    ),
    Rule(
        MISSING_FILE, Severity.ERROR,
        "Metadata or a best-k index refers to a checkpoint file that does not exist.",
        "Every index entry and every metadata file must point at a checkpoint present in the "
        "repository (or an LFS pointer to it). Remove the stale entry or restore the file.",
    ),
    Rule(
        MALFORMED_METADATA, Severity.ERROR,
        "metadata.json, index.json or state.sha256 is not valid for its schema.",
        "The finding gives the JSON pointer of the offending value. v1 metadata: schema_version, "
        "sha256 (64 lowercase hex), ...; best-k index: schema_version, metric_key, mode (min|max), "
        "top_k (positive integer), entries [{path, metric, created_at, sha256}]; v2: schema_version 2, "
        "digest_sha256, and state.sha256 holding the hex digest of state.pt.",
    ),
    Rule(
        INDEX_ORDER, Severity.ERROR,
        "Best-k index entries are not ordered best first by metric according to mode.",
        "mode=min means ascending metric, mode=max descending; tools that keep the best k drop the "
        "last entry, so a mis-ordered index deletes the wrong checkpoint. Sort the entries.",
    ),
    Rule(
        INDEX_TOO_MANY, Severity.ERROR,
        "A best-k index holds more entries than top_k.",
        "The index promises at most top_k checkpoints; extra entries mean pruning did not run. Remove "
        "the worst entries (and their files).",
    ),
    Rule(
        PATH_ESCAPE, Severity.ERROR,
        "A best-k index entry's path leaves the checkpoint directory.",
        "Entry paths are relative to the index's folder and must stay inside it (no absolute paths, "
        "no '..' that climbs out, no symlink escaping it); otherwise pruning could delete files "
        "elsewhere.",
    ),
)
