// Reads JSON lines {"source", "flags"} on stdin; writes {"status", "type", "degree", "ms"} per line.
// Usage: node bench/redos_recheck.js <folder holding node_modules/recheck>
const path = require("path");
const readline = require("readline");
const { check } = require(path.join(process.argv[2], "node_modules", "recheck"));

const rl = readline.createInterface({ input: process.stdin });
const queue = [];
let busy = false;

async function drain() {
  if (busy) return;
  busy = true;
  while (queue.length) {
    const { source, flags } = JSON.parse(queue.shift());
    const started = Date.now();
    let out;
    try {
      const r = await check(source, flags, { timeout: 10000 });
      out = { status: r.status, type: r.complexity ? r.complexity.type : null,
              degree: r.complexity && r.complexity.degree ? r.complexity.degree : null };
    } catch (e) {
      out = { status: "error", type: null, degree: null, error: String(e) };
    }
    out.ms = Date.now() - started;
    process.stdout.write(JSON.stringify(out) + "\n");
  }
  busy = false;
}

rl.on("line", (line) => { queue.push(line); drain(); });
