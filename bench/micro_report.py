"""Appends the micro-benchmark (JSON lines from bench/micro/run) to bench/results/latest.md and latest.json."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import compact_json  # noqa: E402

micro_path, md_path = Path(sys.argv[1]), Path(sys.argv[2])
ops = [json.loads(l) for l in micro_path.read_text().splitlines() if l.startswith("{")]
micro_path.write_text(json.dumps(ops, indent=1) + "\n")
lines = ["", "## Micro-benchmark (bench/micro, release build, one thread)", "",
         "| operation | ns/op (median of 9 batches) | min–max |", "|---|---|---|"]
lines += [f"| {o['op']} | {o['ns_per_op']:,.0f} | {o['min_ns']:,.0f}–{o['max_ns']:,.0f} |" for o in ops]
text = md_path.read_text() if md_path.exists() else ""
marker = "\n## Micro-benchmark"
if marker in text:
    text = text[:text.index(marker)]
md_path.write_text(text.rstrip("\n") + "\n" + "\n".join(lines) + "\n")
js = md_path.with_suffix(".json")
if js.exists():
    data = json.loads(js.read_text())
    data["micro"] = ops
    js.write_text(compact_json(data))
print("\n".join(lines[2:]))
