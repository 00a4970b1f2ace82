// tokids.mjs -- token ids from llama.cpp (node-llama-cpp 3.21.1) for the tokenizer fixture cases, the expected
// values of tests/unit/test_tokenizer_real.c.
//
//   cd /work/xcheck && NODE_PATH=/work/xcheck/node_modules node /path/to/llmz/tools/xcheck/tokids.mjs \
//       /path/to/llmz/tests/data/tok_real VOCAB.gguf...
//
// Writes OUTDIR/cases.bin (each case: its byte length in decimal, "\n", the bytes, "\n") and, per vocabulary,
// OUTDIR/NAME.ids (NAME: the file name without .gguf; a line "# ..." then one line of ids per case).  Ids come
// from model.tokenize(text) (no BOS, special tokens not parsed), as llama.cpp's llama_tokenize gives them.
// JavaScript strings cannot hold invalid UTF-8, so these cases are valid UTF-8; the C test checks invalid
// input separately.
import fs from "node:fs";
import path from "node:path";
import {createRequire} from "node:module";

const require = createRequire(process.env.NODE_PATH ? path.join(process.env.NODE_PATH, "x.js") : import.meta.url);
const {getLlama} = await import(require.resolve("node-llama-cpp"));

const longWord = "Pneumonoultramicroscopicsilicovolcanoconiosis" + "Supercalifragilisticexpialidocious";
export const cases = [
    "The quick brown fox jumps over the lazy dog. It was the best of times, it was the worst of times; " +
        "Mr. Smith paid $1,250.00 for 3 books (about 417 each).\n",
    "#include <stdio.h>\n\nint main(int argc, char **argv) {\n\tfor (int i = 0; i < argc; i++)\n" +
        "\t\tprintf(\"%s\\n\", argv[i]);\n\treturn 0;\n}\n",
    "def f(x):\n    if x > 10:\n        return [y ** 2 for y in range(x)]  # squares\n    return None\n",
    "{\"name\": \"llmz\", \"version\": \"0.2.0\", \"ids\": [1, 22, 333, 4444], \"ok\": true, \"x\": null}\n",
    "1 12 123 1234 12345 123456 1234567 3.14159 1,000,000 0x1F 2024-12-06 10:30:21 +44 (0)20 7946 0958",
    "It's I'll we're they've I'm he'd don't IT'S I'LL WE'RE THEY'VE I'M HE'D DON'T 'S 'll 'Ll rock'n'roll",
    "line one\r\nline two\r\n\r\nline four\r\n \r\n\ttabbed\r\n",
    "a  b   c    d     e      f\n  indented\n        deeper\n\n\n\ntrailing   \n   ",
    "\tx\t\ty\t \t z\n\t\t\n \t\n",
    "Café naïve résumé Ångström Straße Ελληνικά Русский текст Ǆemal",
    "中文文本，日本語のテキスト、한국어 텍스트。漢字かなカナ",
    "नमस्ते दुनिया, यह एक परीक्षण है। ১২৩ ٣٤٥ १२३ ４５６ ½ Ⅻ",
    "Emoji 😀👍🏽 👨‍👩‍👧 ❤️ ✓ ★ ✨🚀",
    "Hello!!! What?! (yes) [no] {maybe} <tag attr=\"v\"/> a&&b||c $x+=1; ~/path/to-file_name.txt `code` 100%",
    "a\u00a0b\u2003c\u3000d\u2028e\u0085f\u000bg\u000ch \u200bi",
    "x" + " ".repeat(80) + "y " + longWord + longWord + " z",
    "See https://example.com/a/b?c=d&e=f#g and mail@example.org.\n## Heading\n- item 1\n- item 2\n",
    "e\u0301 vs \u00e9; Z\u0351\u0300a\u0309l\u0315g\u0348o",
    "\u0001\u0002 bell\u0007 esc\u001b[0m \u007f end",
    " ",
    "\n",
    "  leading spaces",
    "trailing spaces  ",
    "\u2581 lower one eighth block \u2581\u2581x",
    "x" + " ".repeat(300) + "y\n" + "=".repeat(300) + "\n" + "-".repeat(1000) + "\n" + "ab".repeat(400) + "\n",
    "Ein Stück Käse für 3,50 € — «guillemets» and “quotes” … done",
];

const [outDir, ...vocabs] = process.argv.slice(2);
if (!outDir || !vocabs.length) {
    console.error("usage: node tokids.mjs OUTDIR VOCAB.gguf...");
    process.exit(2);
}
fs.mkdirSync(outDir, {recursive: true});
const bin = [];
for (const c of cases) {
    const b = Buffer.from(c, "utf8");
    bin.push(Buffer.from(`${b.length}\n`), b, Buffer.from("\n"));
}
fs.writeFileSync(path.join(outDir, "cases.bin"), Buffer.concat(bin));
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
for (const file of vocabs) {
    const m = await llama.loadModel({modelPath: file, vocabOnly: true});
    const name = path.basename(file).replace(/\.gguf$/, "");
    const lines = [`# ${path.basename(file)}: llama.cpp ids per case (node-llama-cpp 3.21.1), ${cases.length} cases`];
    for (const c of cases) lines.push(Array.from(m.tokenize(c)).join(" "));
    fs.writeFileSync(path.join(outDir, `${name}.ids`), lines.join("\n") + "\n");
    await m.dispose();
    console.log(`${name}: ${cases.length} cases`);
}
