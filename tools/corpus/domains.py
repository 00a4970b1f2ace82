"""Domains of corpus v2: which domain a file of a Debian or npm package belongs to, and each domain's cap.

classify(kind, path, data) -> domain name, or None for a file that is not wanted (binary formats by
extension, translations of man pages, copyright files, source maps, lock files, ...).  By path and
extension first; an extensionless file with a "#!" line goes by its interpreter; code over 300 bytes a
line on average is "js-min" (minified) for JavaScript and dropped otherwise.
"""
import os

# byte caps per domain (the builder stops adding files to a domain at its cap)
CAP = {
    "docs": 40_000_000, "man": 25_000_000, "changelog": 25_000_000, "html": 15_000_000,
    "markdown": 25_000_000, "c": 25_000_000, "cpp": 25_000_000, "python": 30_000_000, "go": 20_000_000,
    "rust": 25_000_000, "java": 25_000_000, "shell": 10_000_000, "perl": 15_000_000, "ruby": 8_000_000,
    "php": 8_000_000, "lisp": 20_000_000, "code-other": 20_000_000, "js": 40_000_000, "js-min": 8_000_000,
    "ts": 30_000_000, "css": 8_000_000, "json": 30_000_000, "xml": 20_000_000, "yaml": 10_000_000,
    "config": 8_000_000, "data": 15_000_000, "logs": 5_000_000,
}
CAP_DEFAULT = 5_000_000

EXT = {
    ".txt": "docs", ".rst": "docs", ".texi": "docs", ".texinfo": "docs", ".info": "docs", ".pod": "docs",
    ".adoc": "docs", ".asciidoc": "docs", ".tex": "docs",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".md": "markdown", ".markdown": "markdown", ".mdx": "markdown",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp", ".ipp": "cpp",
    ".tcc": "cpp",
    ".py": "python", ".pyi": "python", ".go": "go", ".rs": "rust", ".java": "java",
    ".sh": "shell", ".bash": "shell", ".zsh": "shell", ".fish": "shell", ".ksh": "shell",
    ".pl": "perl", ".pm": "perl", ".t": "perl",
    ".rb": "ruby", ".rake": "ruby", ".gemspec": "ruby", ".erb": "ruby",
    ".php": "php",
    ".el": "lisp", ".lisp": "lisp", ".lsp": "lisp", ".scm": "lisp", ".cl": "lisp", ".lisp-expr": "lisp",
    ".tcl": "code-other", ".lua": "code-other", ".r": "code-other", ".m": "code-other", ".erl": "code-other",
    ".hrl": "code-other", ".hs": "code-other", ".lhs": "code-other", ".ml": "code-other", ".mli": "code-other",
    ".mac": "code-other", ".m4": "code-other", ".sql": "code-other", ".awk": "code-other",
    ".cmake": "code-other", ".mk": "code-other", ".am": "code-other", ".in": "code-other", ".vim": "code-other",
    ".y": "code-other", ".l": "code-other", ".s": "code-other", ".asm": "code-other", ".kt": "code-other",
    ".scala": "code-other", ".swift": "code-other", ".cs": "code-other", ".dart": "code-other",
    ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "js", ".vue": "js", ".svelte": "js",
    ".ts": "ts", ".tsx": "ts", ".mts": "ts", ".cts": "ts",
    ".css": "css", ".scss": "css", ".sass": "css", ".less": "css", ".styl": "css",
    ".json": "json", ".jsonc": "json", ".json5": "json", ".geojson": "json", ".webmanifest": "json",
    ".xml": "xml", ".xsl": "xml", ".xslt": "xml", ".xsd": "xml", ".dtd": "xml", ".rng": "xml", ".ui": "xml",
    ".ent": "xml", ".mod": "xml", ".docbook": "xml", ".plist": "xml", ".kml": "xml",
    ".yml": "yaml", ".yaml": "yaml",
    ".toml": "config", ".ini": "config", ".cfg": "config", ".conf": "config", ".properties": "config",
    ".desktop": "config", ".service": "config", ".editorconfig": "config", ".env": "config",
    ".csv": "data", ".tsv": "data", ".tab": "data", ".ids": "data", ".dat": "data", ".po": "data",
    ".pot": "data", ".bib": "data", ".ics": "data", ".vcf": "data",
    ".log": "logs",
}
SKIP_EXT = {".map", ".lock", ".svg", ".min.css", ".pem", ".crt", ".key", ".sig", ".asc", ".b64", ".uu", ".out"}
SHEBANG = [(b"python", "python"), (b"perl", "perl"), (b"bash", "shell"), (b"/sh", "shell"), (b"zsh", "shell"),
           (b"node", "js"), (b"ruby", "ruby"), (b"php", "php"), (b"tclsh", "code-other"), (b"awk", "code-other"),
           (b"fish", "shell"), (b"env sh", "shell"), (b"dash", "shell")]
CHANGELOG_NAMES = ("changelog", "changes", "news", "history", "release-notes", "releasenotes")
CODE = {"c", "cpp", "python", "go", "rust", "java", "shell", "perl", "ruby", "php", "lisp", "code-other",
        "ts", "css", "json", "xml"}


def is_changelog(path):
    base = os.path.basename(path).lower()
    for n in CHANGELOG_NAMES:
        if base == n or base.startswith(n + ".") or base.startswith(n + "_") or base.startswith(n + "-"):
            return True
    return False


def doc_dir(path):
    """usr/share/doc/PKG/... -> PKG (the package a changelog belongs to), else ''."""
    p = path.split("/")
    return p[3] if len(p) > 4 and p[:3] == ["usr", "share", "doc"] else ""


def npm_bundled_path(path, held):
    """A file under node_modules/NAME/ (or node_modules/@scope/NAME/) of a held-out npm package."""
    p = path.split("/")
    for i, x in enumerate(p[:-1]):
        if x == "node_modules":
            n = p[i + 1] + "/" + p[i + 2] if p[i + 1].startswith("@") and i + 2 < len(p) else p[i + 1]
            if n in held:
                return True
    return False


def ext_of(base):
    b = base.lower()
    if b.endswith(".min.js"):
        return ".min.js"
    if b.endswith(".min.css"):
        return ".min.css"
    if b.endswith(".d.ts"):
        return ".ts"
    return os.path.splitext(b)[1]


def classify(kind, path, data):
    low = path.lower()
    base = os.path.basename(low)
    parts = low.split("/")
    if base in ("copyright", "license", "licence", "license.txt", "license.md", "licence.md", "copying") or \
            base.startswith("license") or base.startswith("copying"):
        return None
    if "/locale/" in low or "/translations/" in low or "/i18n/" in low and not base.endswith(".json"):
        return None
    if is_changelog(path):
        return "changelog"
    if "/man/" in low and len(parts) > 3 and parts[2] == "man":
        # usr/share/man/manN/x.N: English only (translations live in usr/share/man/LANG/)
        return "man" if parts[3].startswith("man") else None
    if "/info/" in low and (base.endswith(".info") or ".info-" in base):
        return "docs"
    if "/tests/files/logs/" in low or "/test/logs/" in low:
        return "logs"
    e = ext_of(base)
    if e in SKIP_EXT:
        return None
    if e == ".min.js":
        return "js-min"
    dom = EXT.get(e)
    if dom is None:
        if data[:2] == b"#!":
            first = data[:80].split(b"\n", 1)[0]
            dom = next((d for k, d in SHEBANG if k in first), None)
        elif "/xkb/" in low and "/rules/" not in low or "/usr/share/dict/" in "/" + low:
            dom = "data"
        elif "/zsh/functions/" in low or "/bash-completion/completions/" in low or "/completions/" in low:
            dom = "shell"
        elif base in ("readme", "todo", "authors", "thanks", "install", "faq", "bugs") or \
                low.startswith("usr/share/doc/") and e == "":
            dom = "docs"
        elif base in ("makefile", "gnumakefile", "kconfig", "cmakelists.txt"):
            dom = "code-other"
    if dom is None:
        return None
    if dom in CODE and dom not in ("json", "xml") or dom == "js":
        lines = data.count(b"\n") + 1
        if len(data) / lines > 300:
            return "js-min" if dom in ("js", "css") else None
    return dom
