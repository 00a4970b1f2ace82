// table.mjs -- the markdown table of tools/xcheck/run.sh's results (one JSON object per line of xcheck.mjs).
import fs from "node:fs";

const rows = fs.readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
const pct = (x) => (x === undefined ? "" : (100 * x).toFixed(2) + "%");
const num = (x, d) => (x === undefined ? "" : x.toFixed(d));
console.log("| file | type | ids identical | top-1 | top-1 without near-ties | mean KL (nats) | CE llama.cpp | " +
            "CE llmz | ratio | vs exact: top-1 llama.cpp / llmz | vs exact: KL llama.cpp / llmz |");
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
    const [file, type] = r.label.split(" ");
    const ids = r.ids_identical === undefined ? "n/a" :
        r.ids_identical ? `yes (${r.ids_llmz})` : `no (${r.ids_llamacpp} vs ${r.ids_llmz})`;
    const ref = r.ref_top1_llmz === undefined ? ["", ""] :
        [`${pct(r.ref_top1_llamacpp)} / ${pct(r.ref_top1_llmz)}`,
         `${num(r.ref_kl_llamacpp, 5)} / ${num(r.ref_kl_llmz, 5)}`];
    console.log(`| ${file} | ${type} | ${ids} | ${pct(r.top1)} | ${pct(r.top1_clear)} (${r.clear_positions}) | ` +
                `${num(r.kl, 5)} | ${num(r.ce_llamacpp, 4)} | ${num(r.ce_llmz, 4)} | ${num(r.ce_ratio, 4)} | ` +
                `${ref[0]} | ${ref[1]} |`);
}
