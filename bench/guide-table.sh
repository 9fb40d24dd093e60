#!/usr/bin/env bash
# The information desk's figures through the application, one fresh database per cell:
# every preset × knowledge base × question set, as one Markdown table (docs/guide.md).
#
#   bench/guide-table.sh [-p "default demo/guide/dense.toml"] [-k "whole faq bare"] SET.jsonl…
#
# Knowledge bases: whole = the demo municipality (catalogue, FAQ, pages); faq = only
# `guide import demo/guide/faq.csv`; bare = that CSV cut to id,question,answer; any other
# word is read as a path to a FAQ CSV of its own (e.g. demo/guide/city2/faq.csv).
# For a FAQ-only base each answerable line keeps the expected ids the base holds and is
# dropped when none is left; every decline line stays. Needs target/release/madoguchi (built
# with --features e5 for the dense presets) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
presets="default"
kbs="whole faq"
while getopts "p:k:" opt; do
  case $opt in
    p) presets=$OPTARG ;;
    k) kbs=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-p PRESETS] [-k KBS] SET.jsonl…" >&2; exit 2; }
bin=target/release/madoguchi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

# filter SET CSV OUT: the set with its expected ids cut to those of CSV (see above).
filter() {
  python3 - "$1" "$2" "$3" <<'PY'
import csv, json, sys
set_path, csv_path, out = sys.argv[1:]
with open(csv_path, encoding="utf-8-sig", newline="") as f:
    ids = {row["id"] for row in csv.DictReader(f)}
with open(set_path, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as w:
    for line in f:
        if not line.strip():
            continue
        item = json.loads(line)
        if not item.get("decline"):
            item["expected"] = [e for e in item.get("expected") or [] if e in ids]
            if not item["expected"]:
                continue
        w.write(json.dumps(item, ensure_ascii=False) + "\n")
PY
}

echo "| preset | KB | set | R@10 | nDCG@10 | precision (all answers) / coverage | helped | decline not_in_kb / OOS | answers to not_in_kb | p50 / p95 ms |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for preset in $presets; do
  config=()
  [ "$preset" = default ] || config=(--config "$preset")
  for kb in $kbs; do
    csv=""
    case $kb in
      whole) ;;
      faq) csv=demo/guide/faq.csv ;;
      bare)
        csv=$work/bare.csv
        python3 - demo/guide/faq.csv "$csv" <<'PY'
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f, open(sys.argv[2], "w", encoding="utf-8", newline="") as w:
    out = csv.writer(w)
    out.writerow(["id", "question", "answer"])
    for row in csv.DictReader(f):
        out.writerow([row["id"], row["question"], row["answer"]])
PY
        ;;
      *) csv=$kb ;;
    esac
    for set in "$@"; do
      data=$(mktemp -d -p "$work")
      export MADOGUCHI_DATA_DIR=$data
      questions=$set
      if [ -n "$csv" ]; then
        "$bin" "${config[@]}" guide import "$csv" >/dev/null
        questions=$work/set.jsonl
        filter "$set" "$csv" "$questions"
      fi
      "$bin" "${config[@]}" guide eval --json "$questions" 2>/dev/null > "$work/report.json"
      python3 - "$work/report.json" "$(basename "$preset")" "$kb" "$(basename "$set" .jsonl)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p, kb, s = sys.argv[2:]
print(f"| {p} | {kb} | {s} | {r['recall_at_10']:.3f} | {r['ndcg_at_10']:.3f} | "
      f"{r['answered_precision']:.3f} ({r['answered_precision_all']:.3f}) / {r['coverage']:.3f} | {r['helped']:.3f} | "
      f"{r['abstain_not_in_kb']:.3f} / {r['abstain_out_of_scope']:.3f} | "
      f"{r['wrong_answers_to_declines']} | {r['latency_ms_p50']:.1f} / {r['latency_ms_p95']:.1f} |")
PY
    done
  done
done
