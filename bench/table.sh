#!/bin/sh
# Markdown table (bits per byte per compressor, llmz speeds) from bench/results/bench.csv, for README.md.
CSV=${1:-bench/results/bench.csv}
awk -F, 'NR > 1 && $5 != "" {
    f = $1; c = $3
    if (!(f in seen)) { seen[f] = 1; order[++n] = f; size[f] = $2 }
    bpb[f, c] = $5; if (!(c in cs)) { cs[c] = 1; comp[++m] = c }
    if (c == "llmz") { ck[f] = $6; dk[f] = $7 }
    if (f !~ /^gen\/random/) { tb[c] += $4; ts[c] += $2 }
}
END {
    printf "| file | size |"; for (j = 1; j <= m; j++) printf " %s |", comp[j]; print " llmz c KB/s | llmz d KB/s |"
    printf "|---|---:|"; for (j = 1; j <= m; j++) printf "---:|"; print "---:|---:|"
    for (i = 1; i <= n; i++) {
        f = order[i]; printf "| %s | %d |", f, size[f]
        best = 99; for (j = 1; j <= m; j++) if ((f, comp[j]) in bpb && bpb[f, comp[j]] + 0 < best) best = bpb[f, comp[j]] + 0
        for (j = 1; j <= m; j++) { v = bpb[f, comp[j]]; if (v == "") printf " - |"; else if (v + 0 == best) printf " **%.3f** |", v; else printf " %.3f |", v }
        printf " %s | %s |\n", ck[f], dk[f]
    }
    printf "| **all text files** | %d |", ts["llmz"]; for (j = 1; j <= m; j++) printf " %.3f |", (ts[comp[j]] ? 8 * tb[comp[j]] / ts[comp[j]] : 0); print " | |"
}' "$CSV"
