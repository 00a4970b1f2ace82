# messy.awk -- turns clean text into the kind of "messy" text web extraction gives, deterministically, to measure
# what llmz --lossy=1 (canonical) gains on it: straight quotes become typographic ones (“ ” ‘ ’), "--" an em dash,
# "..." an ellipsis, every 9th blank a no-break space, every 13th a double space, every 5th line gets trailing
# blanks, "fi" in every 17th word the ligature U+FB01.  Usage: awk -f bench/messy.awk clean.txt > messy.txt
BEGIN { dq = 0; nb = 0; nw = 0 }
{
    line = $0; out = ""
    n = length(line)
    for (i = 1; i <= n; i++) {
        c = substr(line, i, 1)
        if (c == "\"") { out = out (dq++ % 2 == 0 ? "“" : "”"); continue }
        if (c == "'" && i > 1 && substr(line, i - 1, 1) ~ /[A-Za-z]/) { out = out "’"; continue }
        if (substr(line, i, 3) == "...") { out = out "…"; i += 2; continue }
        if (substr(line, i, 2) == "--") { out = out "—"; i += 1; continue }
        if (c == " ") {
            nb++
            if (nb % 9 == 0) { out = out " "; continue }
            if (nb % 13 == 0) { out = out "  "; continue }
            nw++
            if (nw % 17 == 0 && substr(line, i + 1, 2) == "fi") { out = out " ﬁ"; i += 2; continue }
        }
        out = out c
    }
    if (NR % 5 == 0) out = out "  "
    print out
}
