"""Rule registry of the dataset manifest check (cheap to import)."""

from __future__ import annotations

from ..findings import Severity
from ..rules import Rule

RULES = (
    Rule(
        "manifest/changed-shard", Severity.ERROR,
        "A listed shard's size or sha256 differs from the manifest.",
        "The bytes on disk are not the ones the manifest records, so anything trained or evaluated on "
        "them is not the recorded dataset. The message says whether the size or the sha256 differs. "
        "Restore the shard, or rebuild the manifest with `governance-hooks manifest build ROOT --update` "
        "if the change is intended and reviewed.",
    ),
    Rule(
        "manifest/missing-shard", Severity.ERROR,
        "A listed shard does not exist under the dataset root.",
        "The manifest lists a file that is not on disk (and whose content does not appear under another "
        "name). Fetch the shard (e.g. `git lfs pull`), or remove the entry with `manifest build --update`.",
    ),
    Rule(
        "manifest/moved-shard", Severity.ERROR,
        "A listed shard is missing but its exact content (sha256 and size) is now at another, unlisted path.",
        "The file was renamed or moved without updating the manifest. Move it back, or record the new path "
        "with `manifest build --update` (which prints the rename).",
    ),
    Rule(
        "manifest/new-file", Severity.ERROR,
        "A file under the dataset root is not listed in the manifest.",
        "A manifest.json or SHA256SUMS describes its whole folder, so an unlisted file is data nobody "
        "recorded. Add it with `manifest build --update`, delete it, or exclude it with the `exclude` "
        "option (gitignore patterns). Per-file `NAME.sha256sum` files only cover what they list.",
    ),
    Rule(
        "manifest/duplicate-entry", Severity.ERROR,
        "The same path is listed more than once.",
        "Only the first entry is verified; a second entry with another sha256 or size makes the manifest "
        "contradict itself. Keep one entry per path.",
    ),
    Rule(
        "manifest/unreadable-file", Severity.ERROR,
        "A shard or manifest exists but cannot be read as a regular file.",
        "Permission denied, an I/O error, a dangling symlink, a directory or a FIFO/device where a file "
        "is listed. Non-regular files are never opened (a FIFO would block). Fix the permissions or the "
        "file type.",
    ),
    Rule(
        "manifest/lfs-pointer", Severity.NOTE,
        "A shard is a Git LFS pointer whose oid and size match the manifest; the content was not read.",
        "Checkouts without `git lfs pull` hold pointer files (git-lfs docs/spec.md). The pointer names the "
        "right object, which is all that can be proven without the object. Run `git lfs pull` to verify "
        "the bytes themselves.",
    ),
    Rule(
        "manifest/unsafe-path", Severity.ERROR,
        "A path is absolute, has a drive letter, a backslash or `..`, or a symlink resolving outside the dataset root.",
        "Manifest paths must be relative POSIX paths inside the dataset root, or a hostile manifest could "
        "make the verifier read (or a downloader write) files elsewhere. Such paths are never opened. "
        "Write paths relative to the dataset root with `/` separators, and replace escaping symlinks by "
        "the files themselves.",
    ),
    Rule(
        "manifest/path-collision", Severity.WARNING,
        "Several paths are equal after Unicode normalisation and case folding.",
        "On case-insensitive or normalising file systems (macOS, Windows) these names are one file, so a "
        "checkout silently drops shards. Detected by canonical caseless matching (Unicode 15, section 3.13, "
        "D145: NFD(casefold(NFD(x)))). Rename one of them.",
    ),
    Rule(
        "manifest/malformed-manifest", Severity.ERROR,
        "The manifest is not valid: bad JSON or sha256sum syntax, wrong types, negative sizes, bad hex.",
        "The manifest is untrusted input; the message gives the JSON pointer (or the line) of the defect. "
        "Format: dataset manifest v1.0 (`schema_version` \"1.0\", `created_at` integer seconds, "
        "`dataset_id` string or null, `shards`: list of {path, size, sha256} with lowercase hex), or "
        "GNU coreutils `sha256sum` lines. Regenerate it with `governance-hooks manifest build`.",
    ),
    Rule(
        "manifest/analysis-incomplete", Severity.WARNING,
        "A manifest was not verified because it exceeds the size budget.",
        "Manifests above `max-manifest-bytes` (default 256 MiB) are not parsed, to bound memory "
        "(parsing holds about 6-8 times the file). "
        "Split the dataset or raise the budget in [tool.governance-hooks.manifest].",
    ),
)
