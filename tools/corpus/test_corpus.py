#!/usr/bin/python3
"""Checks of the corpus v2 tools that need no download (standard library only, a few seconds).

usage: python3 tools/corpus/test_corpus.py        last line: "N passed, N failed"
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "train"))
import build  # noqa: E402
import domains  # noqa: E402
import llmztok  # noqa: E402

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def test_domains():
    c = domains.classify
    check(c("deb", "usr/share/man/man1/ls.1", b".TH LS 1\n") == "man", "man page")
    check(c("deb", "usr/share/man/de/man1/ls.1", b".TH LS 1\n") is None, "translated man page skipped")
    check(c("deb", "usr/share/doc/foo/changelog.Debian", b"foo (1.0) unstable\n") == "changelog", "changelog")
    check(c("npm", "package/CHANGELOG.md", b"# 1.0\n") == "changelog", "npm CHANGELOG.md")
    check(c("npm", "package/README.md", b"# x\n") == "markdown", "README.md")
    check(c("npm", "package/lib/a.js", b"var a = 1;\n" * 10) == "js", "js")
    check(c("npm", "package/dist/a.js", b"x" * 5000 + b"\n") == "js-min", "minified js by line length")
    check(c("npm", "package/dist/a.min.js", b"var a;\n") == "js-min", "*.min.js")
    check(c("npm", "package/index.d.ts", b"export {};\n") == "ts", "d.ts")
    check(c("npm", "package/package.json", b"{}\n") == "json", "json")
    check(c("npm", "package/LICENSE", b"MIT\n") is None, "licence text skipped")
    check(c("npm", "package/a.js.map", b"{}\n") is None, "source map skipped")
    check(c("deb", "usr/bin/tool", b"#!/usr/bin/perl\nprint 1;\n") == "perl", "shebang perl")
    check(c("deb", "usr/bin/tool", b"\x7fELF") is None, "ELF without extension skipped")
    check(c("deb", "usr/lib/python3/dist-packages/fail2ban/tests/files/logs/sshd", b"Jan 1 sshd\n") == "logs",
          "fail2ban logs")
    check(domains.is_changelog("NEWS.gz") and domains.is_changelog("ChangeLog-2019")
          and not domains.is_changelog("newsletter.txt"), "is_changelog")
    check(domains.doc_dir("usr/share/doc/bash/changelog.gz") == "bash", "doc_dir")
    held = {"semver", "@npmcli/arborist"}
    check(domains.npm_bundled_path("package/node_modules/semver/index.js", held), "bundled semver")
    check(domains.npm_bundled_path("package/node_modules/@npmcli/arborist/a.js", held), "bundled scoped")
    check(not domains.npm_bundled_path("package/node_modules/lodash/a.js", held), "lodash not held out")


def test_filters():
    a = b"line one is long enough\r\nline two is long enough   \n"
    b = b"line one is long enough\nline two is long enough\n"
    check(build.norm(a) == build.norm(b), "exact-dup normalisation (CRLF, trailing blanks)")
    check(build.sig_hashes(b"short\n" * 5) == set(), "short lines are not significant")
    s1 = build.sig_hashes(b"".join(b"significant line number %d here\n" % i for i in range(20)))
    check(len(s1) == 20 and all(0 <= h < build.BITS for h in s1), "20 significant line hashes in range")
    bm = build.Bitmap.__new__(build.Bitmap)
    bm.b = bytearray(build.BITS >> 3)
    bm.add(s1)
    check(bm.count(s1) == 20, "bitmap finds what it holds")
    s2 = build.sig_hashes(b"".join(b"another file's line %d, different\n" % i for i in range(20)))
    check(bm.count(s2) <= 1, "bitmap: a different file is not contained")
    text = b" ".join(b"word%d" % (i * i % 10007) for i in range(3000))
    bench = build.shingles(text)
    check(len(bench) > 100, "anchored shingles of a 3000-word text")
    check(len(build.shingles(text[5000:9000]) & bench) >= build.BENCH_HITS, "an excerpt is caught")
    other = b" ".join(b"other%d" % i for i in range(3000))
    check(len(build.shingles(other) & bench) == 0, "an unrelated text is not")
    check(build.is_text("héllo\n".encode()) and not build.is_text(b"a\0b") and not build.is_text(b"\xff\xfe"),
          "is_text")


def test_mix_and_tokens():
    with tempfile.TemporaryDirectory() as d:
        v1 = os.path.join(d, "v1.txt")
        with open(v1, "wb") as f:
            f.write(b"".join(b"book line %d of the old corpus\n" % i for i in range(20000)))
        v2 = os.path.join(d, "v2")
        os.mkdir(v2)
        for dom in ("js", "json"):
            with open(os.path.join(v2, dom + ".txt"), "wb") as f:
                f.write(b"".join(b"%s line %d {\"k\": [1, 2]}\n" % (dom.encode(), i) for i in range(20000)))
        outs = []
        for k in range(2):
            out = os.path.join(d, f"mix{k}.txt")
            subprocess.run([sys.executable, os.path.join(HERE, "mix.py"), v1, v2, out, "200000", "--slices", "40"],
                           check=True, capture_output=True)
            with open(out, "rb") as f:
                outs.append(f.read())
        check(outs[0] == outs[1], "mix.py is deterministic")
        with open(os.path.join(d, "mix0.txt.parts")) as f:
            parts = [ln.split("\t") for ln in f]
        check([p[0] for p in parts] == ["v1", "js", "json"], "mix.py parts in order")
        share = int(parts[0][2]) / len(outs[0])
        check(0.45 < share < 0.55, f"v1 share about half ({share:.3f})")
        check(all(ln.startswith((b"book", b"js", b"json")) for ln in outs[0].split(b"\n") if ln),
              "mix.py cuts at line breaks")
        merges = os.path.join(HERE, "..", "train", "merges_v3.txt")
        u16 = os.path.join(d, "t.u16")
        subprocess.run([sys.executable, os.path.join(HERE, "tokenize_parts.py"), merges,
                        os.path.join(d, "mix0.txt"), u16, os.path.join(d, "p.tsv")], check=True, capture_output=True)
        import array
        ids = array.array("H")
        with open(u16, "rb") as f:
            ids.frombytes(f.read())
        with open(merges) as f:
            tok = llmztok.Tokenizer([tuple(int(x) for x in ln.split()) for ln in f if ln.strip()])
        check(tok.decode(ids) == outs[0], "tokenize_parts.py: tokens decode to the sample")
        with open(os.path.join(d, "p.tsv")) as f:
            rows = [ln.split("\t") for ln in f]
        check(sum(int(r[2]) for r in rows) == len(ids) and int(rows[1][1]) == int(rows[0][2]),
              "token offsets of the parts add up")
        check(len(tok.tok_bytes) == 4096, "merges_v3.txt has 4096 tokens")


def main():
    test_domains()
    test_filters()
    test_mix_and_tokens()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
