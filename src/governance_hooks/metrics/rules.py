"""Rule ids of the metrics NDJSON check (cheap to import)."""

from ..findings import Severity
from ..rules import Rule

_FORMAT = "JSON Lines (jsonlines.org) / NDJSON: one JSON text (RFC 8259) per line, UTF-8, '\\n' separated."

RULES = (
    Rule(
        "metrics/invalid-json",
        Severity.ERROR,
        "A line is not valid JSON (syntax error at the reported column).",
        "Each line of a metric log must be one complete JSON text (RFC 8259 §2). The column points at "
        "the first character the parser could not accept; a truncated line usually means the writer was "
        "killed mid-write. Fix or drop the line. " + _FORMAT,
    ),
    Rule(
        "metrics/not-an-object",
        Severity.ERROR,
        "A line is valid JSON but not an object.",
        "Metric records are JSON objects (`{...}`); arrays, strings or numbers on their own line cannot "
        "carry `epoch` and metric keys. Wrap the value in an object. " + _FORMAT,
    ),
    Rule(
        "metrics/invalid-utf8",
        Severity.ERROR,
        "A line contains bytes that are not valid UTF-8.",
        "JSON exchanged between systems must be UTF-8 (RFC 8259 §8.1). The column is the character "
        "position of the first invalid byte. Usually a log written with another encoding or a binary "
        "fragment; re-encode the file as UTF-8.",
    ),
    Rule(
        "metrics/blank-line",
        Severity.WARNING,
        "An empty or whitespace-only line.",
        "JSON Lines has no empty records: a blank line is not a JSON text and strict readers "
        "(pandas `read_json(lines=True)`, `jq -c`) reject or mis-count it. Remove it, or set "
        "`allow-blank-lines = true` (`--allow-blank-lines`) if your readers skip blank lines.",
    ),
    Rule(
        "metrics/byte-order-mark",
        Severity.WARNING,
        "The file starts with a UTF-8 byte order mark.",
        "RFC 8259 §8.1: implementations MUST NOT add a byte order mark; parsers MAY ignore it, and many "
        "line-oriented readers treat it as garbage in the first record. The line is checked without it. "
        "Save the file as UTF-8 without BOM.",
    ),
    Rule(
        "metrics/non-standard-number",
        Severity.ERROR,
        "`NaN`, `Infinity` or `-Infinity` appears as a number literal (not JSON).",
        "RFC 8259 §6 has no literal for non-finite numbers; Python's `json.dumps` writes them by default "
        "(`allow_nan=True`) and strict parsers (orjson, JavaScript, Go) reject the line. Write `null` or "
        "a string, skip the metric, or pass `--allow-nan` (`allow-nan = true`) to accept them as numbers.",
    ),
    Rule(
        "metrics/duplicate-key",
        Severity.WARNING,
        "An object has the same key twice.",
        "RFC 8259 §4: names within an object SHOULD be unique; with duplicates, readers disagree on "
        "which value wins (Python keeps the last one, some keep the first). Usually two writers "
        "logging the same metric name. Keep one value.",
    ),
    Rule(
        "metrics/schema-violation",
        Severity.ERROR,
        "A record does not satisfy the metrics JSON Schema.",
        "The message gives the JSON path of the offending value and the schema keyword that failed "
        "(schema path). The default schema is Metrics NDJSON v0.3: `epoch` is required and is an "
        "integer or a string of digits; every other key matching `^[A-Za-z0-9_.:-]+$` holds a number, "
        "a string or an object (booleans, null and arrays are not allowed there). Use `--schema` or "
        "`[tool.governance-hooks.metrics] schemas` for another schema.",
    ),
    Rule(
        "metrics/metric-type-changed",
        Severity.WARNING,
        "A metric changes JSON type between lines (opt-in cross-line check `types`).",
        "A metric logged as a number on one line and a string (or object) on another breaks plotting "
        "and aggregation (a dataframe column silently becomes `object`). Typical cause: formatting a "
        "value with f-strings on one code path. Log one type per metric.",
    ),
    Rule(
        "metrics/step-backwards",
        Severity.WARNING,
        "`step` or `epoch` decreases within a run (opt-in cross-line check `steps`).",
        "Within one run (records with the same `run_id`, or the whole file without it) the training "
        "counters must not decrease; a decrease usually means a resumed run appended to an old log, "
        "or two runs share one file. Give each run its own `run_id` or file.",
    ),
    Rule(
        "metrics/invalid-timestamp",
        Severity.WARNING,
        "A timestamp is not an RFC 3339 date-time (opt-in cross-line check `timestamps`).",
        "Timestamp keys (default `timestamp`, `time`) hold an RFC 3339 §5.6 `date-time` string "
        "(`2024-05-01T12:00:00.5Z`, with `Z` or a numeric offset) or a number of seconds since the "
        "Unix epoch. Local times without an offset are ambiguous across machines and DST changes.",
    ),
    Rule(
        "metrics/timestamp-backwards",
        Severity.WARNING,
        "A timestamp is earlier than the previous one of the same run (opt-in check `timestamps`).",
        "Records are appended in time order; a timestamp that goes back points at a clock jump, "
        "interleaved writers, or a resumed run appending to an old log.",
    ),
    Rule(
        "metrics/non-finite-number",
        Severity.WARNING,
        "A metric value is NaN or infinite (opt-in cross-line check `finite`).",
        "Accepted `NaN`/`Infinity` literals (with `--allow-nan`) and numbers too large for a double "
        "(`1e400`) both become non-finite values: a diverged loss, or an overflow. Dashboards drop "
        "them silently; investigate the run.",
    ),
    Rule(
        "metrics/unreadable-file",
        Severity.ERROR,
        "A metrics file cannot be read (missing, permission denied, corrupt gzip).",
        "The file could not be read to the end; findings before the reported line are still listed. "
        "For `.gz` files a truncated or corrupt stream is reported with the last complete line.",
    ),
    Rule(
        "metrics/analysis-incomplete",
        Severity.ERROR,
        "Part of a file was not validated because a budget was exceeded.",
        "Lines longer than `max-line-bytes`, records nested deeper than `max-depth`, or more "
        "decompressed data than `max-decompressed-bytes` are reported instead of validated, so a "
        "hostile file cannot exhaust memory or time. What was not validated cannot pass, so this is "
        "an error by default (fail closed). Raise the budget if the input is legitimate.",
    ),
    Rule(
        "metrics/errors-truncated",
        Severity.NOTE,
        "More findings in this file than `--max-errors`; the rest are counted, not listed.",
        "The report keeps the first N findings of each file (`--max-errors`, `max-errors`) and says "
        "how many more there were. Use `--max-errors 0` to list every one.",
    ),
)
