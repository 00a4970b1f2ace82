// tokcmp.mjs -- llmz's token ids (tokdump) against llama.cpp's (node-llama-cpp 3.21.1) on whole files.
//
//   make build/tools/xcheck/tokdump
//   cd /work/xcheck && NODE_PATH=/work/xcheck/node_modules node /path/to/llmz/tools/xcheck/tokcmp.mjs \
//       /path/to/llmz/build/tools/xcheck/tokdump VOCAB_DIR TEXT...
//
// For each vocabulary of VOCAB_DIR (../shared/vocab) and each text: ids from both, their count, whether they are
// identical and, if not, where they first differ.  A text is read as UTF-8 (JavaScript strings cannot hold invalid
// UTF-8: a byte that is not becomes U+FFFD in what both are given).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {execFileSync} from "node:child_process";
import {createRequire} from "node:module";

const require = createRequire(process.env.NODE_PATH ? path.join(process.env.NODE_PATH, "x.js") : import.meta.url);
const {getLlama} = await import(require.resolve("node-llama-cpp"));

// vocabulary -> tokdump options: a file without tokenizer.ggml.pre is "default" to llama.cpp; vocabularies
// lacking single bytes are refused by llmz (--lax compares them all the same); SentencePiece: the space prefix.
const opts = {
    "ggml-vocab-gpt-2": [],
    "ggml-vocab-gpt-neox": ["--pre", "default", "--lax"],
    "ggml-vocab-starcoder": ["--lax"],
    "ggml-vocab-falcon": ["--lax"],
    "ggml-vocab-deepseek-coder": [],
    "ggml-vocab-llama-spm": ["--space"],
    "ggml-vocab-phi-3": ["--space"],
};

const [tokdump, vocabDir, ...texts] = process.argv.slice(2);
if (!tokdump || !vocabDir || !texts.length) {
    console.error("usage: node tokcmp.mjs TOKDUMP VOCAB_DIR TEXT...");
    process.exit(2);
}
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tokcmp-"));
let bad = 0;
for (const [name, extra] of Object.entries(opts)) {
    const file = path.join(vocabDir, `${name}.gguf`);
    if (!fs.existsSync(file)) continue;
    const m = await llama.loadModel({modelPath: file, vocabOnly: true});
    let total = 0, same = 0, bytes = 0;
    for (const t of texts) {
        const text = fs.readFileSync(t, "utf8");
        const tf = path.join(tmp, "text");
        fs.writeFileSync(tf, text, "utf8");
        const want = Array.from(m.tokenize(text));
        const got = execFileSync(tokdump, [...extra, file, tf], {maxBuffer: 1 << 28}).toString().trim().split(" ")
            .filter((s) => s.length).map(Number);
        let d = 0;
        while (d < want.length && d < got.length && want[d] === got[d]) d++;
        const ok = d === want.length && d === got.length;
        total += want.length;
        bytes += Buffer.byteLength(text);
        same += ok;
        if (!ok) {
            bad++;
            console.log(`  ${name} ${path.basename(t)}: ids differ at ${d} of ${want.length}: llmz ` +
                `${got.slice(d, d + 6).join(" ")} llama.cpp ${want.slice(d, d + 6).join(" ")} ` +
                `(${JSON.stringify(m.detokenize(want.slice(Math.max(0, d - 3), d + 3)))})`);
        }
    }
    console.log(`${name}: ${same} of ${texts.length} texts identical, ${total} llama.cpp ids, ${bytes} bytes`);
    await m.dispose();
}
fs.rmSync(tmp, {recursive: true});
process.exit(bad ? 1 : 0);
