"""Rule ids of the CODEOWNERS check (cheap to import: ``--list-rules`` and SARIF read it)."""

from __future__ import annotations

from ..findings import Severity
from ..rules import Rule

_GITHUB_DOCS = "GitHub Docs, 'About code owners'"
_GITLAB_DOCS = "GitLab Docs, 'Syntax of CODEOWNERS file'"

RULES = (
    Rule(
        "codeowners/invalid-pattern", Severity.ERROR,
        "A pattern uses syntax GitHub does not support, so GitHub skips the line.",
        "GitHub reads CODEOWNERS patterns like .gitignore patterns but rejects negation (`!`), character "
        "ranges (`[...]`), `***`, a lone `/` and an escaped leading `#`; a line with invalid syntax is "
        f"skipped and its owners are never requested. Fix the pattern as suggested. Source: {_GITHUB_DOCS}.",
    ),
    Rule(
        "codeowners/invalid-owner", Severity.ERROR,
        "An owner is not `@user`, `@org/team` or an email address, so GitHub skips the line.",
        "Owners must be a user (`@octocat`), a team (`@org/team`) or an email address; GitLab also allows "
        "nested groups and roles (`@@maintainer`). A line with an invalid owner is skipped, so none of its "
        f"owners is requested. Source: {_GITHUB_DOCS}; {_GITLAB_DOCS}.",
    ),
    Rule(
        "codeowners/run-together-owners", Severity.ERROR,
        "Two owners are written without a space between them (`@a@b`).",
        "Owners are separated by whitespace; `@alice@bob` or `@alice,@bob` is one invalid token, so the "
        "line is skipped and neither owner is requested. Put a space between the owners.",
    ),
    Rule(
        "codeowners/owner-only-line", Severity.ERROR,
        "The line holds only an owner, which GitHub reads as a file pattern that owns nothing.",
        "The first token of a line is always the pattern. A line such as `@org/team` (usually a "
        "forgotten `*`) is a rule for files literally named `@org/team`, so nobody is assigned. "
        "Write `* @org/team` for a default owner, or add the missing pattern.",
    ),
    Rule(
        "codeowners/markdown-bullet", Severity.ERROR,
        "The line starts like a Markdown bullet (`- @team`), so `-` is taken as the pattern.",
        "CODEOWNERS is not Markdown: in `- docs/ @team` the pattern is `-` and `docs/` is read as an "
        "owner. Remove the bullet.",
    ),
    Rule(
        "codeowners/owner-less-rule", Severity.NOTE,
        "A rule has no owners: files it matches are left without code owners.",
        "A pattern without owners is valid and is the documented way to exempt files from an earlier "
        "rule (GitHub has no negation). It is reported as a note so that an accidental omission is seen.",
    ),
    Rule(
        "codeowners/missing-owner", Severity.ERROR,
        "GitLab: a rule has no owners and its section has no default owners (a GitLab syntax error).",
        "GitLab reports a rule that resolves to zero owners as a syntax error (`missing_entry_owner` in "
        "`Gitlab::CodeOwners::File`); GitHub, by contrast, documents owner-less rules as the way to exempt "
        f"files. Add owners, or default owners on the section header. Source: {_GITLAB_DOCS}.",
    ),
    Rule(
        "codeowners/invalid-section", Severity.ERROR,
        "A GitLab section header is malformed (empty name, unclosed, an optional section with approvals).",
        "GitLab section headers are `[Name]`, `^[Name]` (optional) or `[Name][N]`, followed by optional "
        "default owners. GitLab's `SectionParser` reports an empty name, a header never closed with `]`, "
        "an optional section with an approval count (`^[Name][1]`) and default owners without one valid "
        f"reference. Source: {_GITLAB_DOCS}, 'Sections'.",
    ),
    Rule(
        "codeowners/inline-comment", Severity.WARNING,
        "GitLab does not support inline comments; on a section header the comment drops the owners after it.",
        "GitHub ends a rule at ` #`, but GitLab documents inline comments as unsupported. On a rule line the "
        "words after `#` are read as owners (`#` itself is a malformed owner, reported as `invalid-owner`); "
        "on a section header GitLab stops reading default owners at `#`. Move the comment to its own line. "
        f"Source: {_GITLAB_DOCS}, 'Comments'.",
    ),
    Rule(
        "codeowners/ambiguous-comment", Severity.WARNING,
        "A `#` is glued to an owner (`@team#note`): the documentation does not say how it is read.",
        "GitHub documents comments only as lines starting with `#`; whether `@js-owner#comment` is the owner "
        "`@js-owner` and a comment, or one invalid owner that makes GitHub skip the line, is not documented. "
        "It is read as the owner and a comment; put a space before `#` to make it unambiguous.",
    ),
    Rule(
        "codeowners/invalid-encoding", Severity.ERROR,
        "The CODEOWNERS file is binary or not valid UTF-8.",
        "CODEOWNERS must be UTF-8 text. A NUL byte means the file is binary and cannot be read as rules; "
        "an invalid byte sequence corrupts the line it is on.",
    ),
    Rule(
        "codeowners/file-too-large", Severity.ERROR,
        "The CODEOWNERS file is 3 MB or larger, so GitHub ignores it entirely.",
        f"GitHub does not load CODEOWNERS files of 3 MB or more: no code owner is requested at all. "
        f"Use wildcard patterns to shrink it. Source: {_GITHUB_DOCS}, 'CODEOWNERS file size'.",
    ),
    Rule(
        "codeowners/multiple-files", Severity.WARNING,
        "More than one CODEOWNERS file exists; only the first location is used.",
        "GitHub reads `.github/CODEOWNERS`, then `CODEOWNERS`, then `docs/CODEOWNERS` and uses the first "
        "one found (GitLab: `CODEOWNERS`, `docs/`, `.gitlab/`). The others are dead and drift silently. "
        "Delete them or merge their rules into the one in effect.",
    ),
    Rule(
        "codeowners/symlinked-file", Severity.ERROR,
        "A CODEOWNERS location is a symbolic link (or lies below one), which is not followed.",
        "GitHub reads CODEOWNERS from the git tree, where a link is a blob holding the target's name, not "
        "the target's rules; reports from users and other CODEOWNERS tools agree that a symlinked "
        "CODEOWNERS requests no reviews (the documentation says nothing about links). The check never "
        "reads through the link, in the working tree or at a `--base` revision, and takes the next "
        "location, if any. Replace the link with the file itself.",
    ),
    Rule(
        "codeowners/skipped-file", Severity.ERROR,
        "The repository configuration's dialect skips the CODEOWNERS file a host reads, so it was not checked.",
        "`dialect = \"gitlab\"` in `[tool.governance-hooks.codeowners]` uses GitLab's search order, which never "
        "reads `.github/CODEOWNERS`, the file GitHub uses first; `dialect = \"github\"` never reads "
        "`.gitlab/CODEOWNERS`. The configuration is part of the repository (a pull request can change it), so "
        "it cannot decide that the file a host may really use goes unchecked: the check fails closed. Choose "
        "the host on the command line (`--dialect github` or `--dialect gitlab`), or delete the file the host "
        "does not read.",
    ),
    Rule(
        "codeowners/host-dialect-mismatch", Severity.ERROR,
        "The repository configuration's dialect names another host than the CI environment does.",
        "On a GitHub Actions runner (`GITHUB_ACTIONS=true`) or in GitLab CI (`GITLAB_CI=true`) the host reads "
        "CODEOWNERS with its own search order and rules; `dialect` in `[tool.governance-hooks.codeowners]` is "
        "part of the repository (a pull request can change it) and cannot make the check read the file another "
        "way. The check fails closed and checks what the host reads. Set the host's dialect, remove the key, "
        "or pass `--dialect` on the command line.",
    ),
    Rule(
        "codeowners/base-unreadable", Severity.ERROR,
        "The CODEOWNERS at the `--base` / `--changed-since` revision is not text, so the comparison is unknown.",
        "A UTF-16 or binary (NUL byte) CODEOWNERS at the base revision cannot be read as rules; taking it as "
        "empty would report a change that hands files to new owners as files gaining owners, and would list "
        "no code owner reviews. The comparison (or the reviews list) fails closed. A change that replaces the "
        "file with UTF-8 text gets this error once; review its ownership by hand.",
    ),
    Rule(
        "codeowners/missing-file", Severity.NOTE,
        "No CODEOWNERS file was found in any location GitHub reads.",
        "Without a CODEOWNERS file no reviewer is requested automatically. Add `.github/CODEOWNERS`.",
    ),
    Rule(
        "codeowners/unmatched-pattern", Severity.WARNING,
        "A pattern matches no tracked file.",
        "The rule can never assign an owner: the path was renamed or deleted, or the pattern has a typo "
        "(slash-less patterns were searched at every depth). Fix the pattern or delete the line.",
    ),
    Rule(
        "codeowners/duplicate-pattern", Severity.WARNING,
        "The same pattern appears again later; the earlier line is dead.",
        "The last matching rule wins and owners are never merged across lines, so of two identical "
        "patterns only the later one has any effect. Merge the owners into one line.",
    ),
    Rule(
        "codeowners/shadowed-rule", Severity.WARNING,
        "Every file this rule matches is matched again by a later rule, so it never decides an owner.",
        "The last matching rule wins. Computed on the tracked files: the rule matches files, but for each "
        "of them a later line takes precedence, so its owners are never requested. Reorder the rules "
        "(specific after general) or delete the dead one.",
    ),
    Rule(
        "codeowners/late-catch-all", Severity.ERROR,
        "A catch-all `*` comes after specific rules and overrides all of them.",
        "Because the last matching rule wins, a `*` rule placed after other rules takes every file away "
        "from them. A default owner belongs on the first rule of the file.",
    ),
    Rule(
        "codeowners/unowned-file", Severity.ERROR,
        "A file required to have an owner (--require-owner) has none.",
        "Coverage is opt-in: with `--require-owner [GLOB...]` (or `require-owner` in the configuration) "
        "every tracked file matching the globs must have at least one code owner. The number of unowned "
        "files is always in the summary.",
    ),
    Rule(
        "codeowners/unknown-owner", Severity.ERROR,
        "An owner is not in the known-owners list or does not exist on GitHub.",
        "Offline, owners are checked against `known-owners` in the configuration (case-insensitive); with "
        "`--online`, users and teams are looked up through the GitHub REST API (`GET /users/{name}`, "
        "`GET /orgs/{org}/teams/{slug}`). GitHub silently ignores owners that do not exist.",
    ),
    Rule(
        "codeowners/ownership-change", Severity.NOTE,
        "With --base: files whose code owners change because of this CODEOWNERS change (count, sample, old -> new).",
        "A CODEOWNERS diff shows text, not effect. Both versions are evaluated over the same file list and "
        "each file whose owners differ is attributed to the changed line that decides it now (or to where its "
        "old deciding line was removed). Check that the reassignment is intended.",
    ),
    Rule(
        "codeowners/newly-unowned", Severity.WARNING,
        "With --base: files that had code owners at the base and have none after this change.",
        "A removed or narrowed rule, or a new owner-less rule, can leave files without any reviewer; "
        "GitHub then requests no code owner review for them.",
    ),
    Rule(
        "codeowners/rule-now-dead", Severity.WARNING,
        "With --base: a rule that decided files at the base decides none after this change (taken over).",
        "Because the last matching rule wins, a new or moved rule can take every file from an existing one; the "
        "overridden rule still reads as if it applied. Reported only for rules the change affects.",
    ),
    Rule(
        "codeowners/pattern-too-long", Severity.ERROR,
        "A pattern is longer than the analysis budget (131,072 characters), so the files it matches are unknown.",
        "The rule is not matched against any file, so whether it changes the owners of a file, or leaves a file "
        "unowned, is unknown; the check cannot judge the file and fails closed. Real patterns are well under "
        "1,000 characters.",
    ),
    Rule(
        "codeowners/analysis-incomplete", Severity.WARNING,
        "Part of the analysis was skipped because a budget was exceeded or a lookup failed.",
        "Dead-rule analysis has a budget on the number of (file, rule) matches, and online verification "
        "needs the network; when either gives out, the affected findings are missing, not wrong.",
    ),
)
