"""Cost of the workflow-command guard on ``--who`` answers: ``escape.CommandGuard.write`` per chunk.

``--who`` writes its answers in chunks of 1,024 lines through ``CommandGuard``. Each case writes the
same chunk many times to a UTF-8 text stream on ``os.devnull`` (what stdout is: encode and buffer),
through the guard and without it (the floor), and prints the CPU time per chunk (minimum of the
rounds) and the ratio:

- plain: 1,024 ordinary answers (the common case: whole lines, nothing to change);
- brackets: the same, every path under a ``[id]`` folder (as web framework routes are named);
- colon: the plain answers and one path that starts with `` ::`` (escaped before this guard knew
  more than space and tab, too);
- hostile: the plain answers, one path that starts with U+3000 ``::`` and one that holds ``##[``.

    python bench/guard_bench.py [--rounds 7] [--chunks 200]
"""

from __future__ import annotations

import argparse
import os
import time


def chunk(case: str) -> str:
    folder = "[id]/" if case == "brackets" else ""
    lines = [f"src/{folder}pkg{i % 37}/sub{i % 11}/module_{i}.py: @org/team-{i % 5} @lead (line {3 + i % 40})\n"
             for i in range(1024)]
    if case == "colon":
        lines[100] = " ::error::x: @org/team (line 1)\n"
    if case == "hostile":
        lines[100] = "\u3000::error::x: @org/team (line 1)\n"
        lines[900] = "x ##[add-mask]y: @org/team (line 1)\n"
    return "".join(lines)


def per_chunk(write, text: str, chunks: int, rounds: int) -> float:
    """Minimum over ``rounds`` of the CPU seconds per ``write(text)``."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(chunks):
            write(text)
        best = min(best, (time.process_time() - start) / chunks)
    return best


def main() -> int:
    from governance_hooks.escape import CommandGuard

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--chunks", type=int, default=200)
    args = parser.parse_args()
    print(f"{'case (1,024 answers)':<24} {'guard us':>9} {'floor us':>9} {'ratio':>7}")
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for name in ("plain", "brackets", "colon", "hostile"):
            text = chunk(name)
            ours = per_chunk(CommandGuard(sink).write, text, args.chunks, args.rounds)
            floor = per_chunk(sink.write, text, args.chunks, args.rounds)
            print(f"{name:<24} {ours * 1e6:>9.1f} {floor * 1e6:>9.1f} {ours / floor:>7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
