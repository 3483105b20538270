"""Child process that times the real ``re`` on attack subjects.

Run as a script (``python -I worker.py``) so it imports nothing but the
standard library.  One JSON request per stdin line; replies are streamed one
JSON object per line so the parent keeps partial measurements when it kills
this process on timeout:

request  ``{"same": {"s"|"b": original}, "candidate": {...}, "flags": int, "samples": {"s"|"b": [text, ...]}}``
         (reply ``{"same": bool}``, see :func:`same_matches`), or
request  ``{"pattern": {"s"|"b": text}, "flags": int, "kind": "match"|"fullmatch"|"search",
           "segments": [[{"s"|"b": text}, pumped], ...], "suffixes": [{"s"|"b": text}, ...],
           "exponential": bool, "target": seconds, "max_n": int,
           optional "start_n": int, "check_suffix": bool (default true), "repeat": int}``
replies  ``{"suffix": index}`` (or ``{"suffix": null}`` when every suffix matched),
         then ``{"trying": n}`` and ``{"n": n, "t": seconds}`` per measurement, then
         ``{"done": true}``; seconds are CPU time of this process's one thread
         (``time.thread_time``: the process clock turns tick-coarse while the
         budget's CPU timer is armed), so other load does not distort the growth;
         ``{"error": text}`` when the pattern does not compile.

Optional ``"cpu_budget": seconds`` in any request: past that much CPU time of
this process the request stops with ``{"timeout": true}`` then ``{"done": true}``
and the process stays up for the next request.  CPU time, not the clock: the
outcome does not depend on how busy the machine is (``re`` checks for signals
while it backtracks, so the timer interrupts a runaway match).
"""

import json
import re
import signal
import sys
import time


class OutOfTime(Exception):
    """The request's CPU budget is spent."""


_armed = False


def _expired(signum, frame):
    if _armed:
        raise OutOfTime()


def _arm(seconds):
    global _armed
    _armed = True
    signal.setitimer(signal.ITIMER_PROF, seconds)


def _disarm():
    global _armed
    _armed = False
    signal.setitimer(signal.ITIMER_PROF, 0)


def _decode(item):
    return item["s"] if "s" in item else item["b"].encode("latin-1")


def _subject(segments, suffix, n):
    parts = [text * n if pumped else text for text, pumped in segments]
    empty = suffix[:0]
    return empty.join(parts) + suffix, len(empty.join(parts))


def _fails(method, kind, subject, pumped_end):
    found = method(subject)
    if found is None:
        return True
    # search pays for every failed start before the leftmost match
    return kind == "search" and found.start() >= pumped_end


#: address space for the equivalence probe: tiny subjects need little, a runaway one is stopped
SAMPLE_MEMORY = 512 << 20


def same_matches(request, out):
    """Reply ``{"same": bool}``: both patterns fullmatch and match (same span) every sample.

    The original pattern is the vulnerable one: even five-character samples
    can take it exponential time (``((a*)*)*`` nested deeper), which is why
    this runs here, under the parent's timeout and a lower memory limit.
    """
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (min(SAMPLE_MEMORY, hard) if hard > 0 else SAMPLE_MEMORY, hard))
    except (ImportError, ValueError, OSError):
        soft = hard = None
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            flags = request["flags"] & ~re.DEBUG  # DEBUG would print into the reply stream
            a = re.compile(_decode(request["same"]), flags)
            b = re.compile(_decode(request["candidate"]), flags)
        same = True
        texts = request["samples"]
        as_bytes = "b" in texts
        for s in texts["b"] if as_bytes else texts["s"]:
            if as_bytes:
                s = s.encode("latin-1")
            if bool(a.fullmatch(s)) != bool(b.fullmatch(s)):
                same = False
                break
            ma, mb = a.match(s), b.match(s)
            if (ma and ma.span()) != (mb and mb.span()):
                same = False
                break
        out({"same": same})
        out({"done": True})
    finally:
        if soft is not None:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def handle(request, out):
    if "same" in request:
        same_matches(request, out)
        return
    try:
        if request.get("engine") == "regex":  # the third-party module, with its own flag values
            import regex

            compiled = regex.compile(_decode(request["pattern"]), request["flags"])
        else:
            compiled = re.compile(_decode(request["pattern"]), request["flags"] & ~re.DEBUG)  # DEBUG prints
    except Exception as exc:  # noqa: BLE001 - report any compile failure as data
        out({"error": f"{type(exc).__name__}: {exc}"})
        return
    kind = request["kind"]
    method = getattr(compiled, kind)  # match, fullmatch, search or findall (every position)
    segments = [(_decode(text), pumped) for text, pumped in request["segments"]]
    chosen = None
    if not request.get("check_suffix", True):  # time the subject as given (corpus label checks)
        chosen = _decode(request["suffixes"][0])
        out({"suffix": 0})
    for index, suffix in enumerate(request["suffixes"] if chosen is None else []):
        suffix = _decode(suffix)
        if all(_fails(method, kind, *_subject(segments, suffix, n)) for n in (1, 2, 3)):
            chosen = suffix
            out({"suffix": index})
            break
    if chosen is None:
        out({"suffix": None})
        out({"done": True})
        return
    target = request["target"]
    max_n = request["max_n"]
    n = request.get("start_n") or (2 if request["exponential"] else 64)
    previous = 0.0
    while n <= max_n:
        subject, _ = _subject(segments, chosen, n)
        out({"trying": n})
        elapsed = float("inf")
        runs = 0
        # the minimum of a few runs filters out noise from other load; short runs are cheap to repeat
        while runs < request.get("repeat", 1) or (runs < 3 and elapsed < target / 8):
            start = time.thread_time()
            method(subject)
            elapsed = min(elapsed, time.thread_time() - start)
            runs += 1
            if runs == 1 and elapsed >= target and previous < target / 16:
                # a sudden jump may be other load: one more run decides (the minimum counts)
                start = time.thread_time()
                method(subject)
                elapsed = min(elapsed, time.thread_time() - start)
        out({"n": n, "t": elapsed})
        previous = elapsed
        if elapsed >= target:
            break
        if request["exponential"]:
            n += 1 if elapsed > target / 64 else 2
        else:
            n *= 2
    out({"done": True})


def main():
    try:  # keep a runaway subject from exhausting the machine's memory
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    except (ImportError, ValueError, OSError):
        pass

    timer = hasattr(signal, "setitimer") and hasattr(signal, "pthread_sigmask")
    if timer:
        signal.signal(signal.SIGPROF, _expired)

    def out(obj):
        line = json.dumps(obj) + "\n"
        if timer:  # a reply is written whole: the timer's exception waits until it is out
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})
        try:
            global _armed
            if "done" in obj or "error" in obj:
                _armed = False  # the request's last reply: a late timer must not add another
            sys.stdout.write(line)
            sys.stdout.flush()
        finally:
            if timer:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGPROF})

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            budget = request.get("cpu_budget") if timer else None
            if budget:
                _arm(budget)
            try:
                handle(request, out)
            finally:
                _disarm()
        except OutOfTime:
            out({"timeout": True})
            out({"done": True})
        except MemoryError:
            out({"error": "MemoryError"})
            out({"done": True})
        except Exception as exc:  # noqa: BLE001 - never die on one bad request
            out({"error": f"{type(exc).__name__}: {exc}"})
            out({"done": True})


if __name__ == "__main__":
    main()
