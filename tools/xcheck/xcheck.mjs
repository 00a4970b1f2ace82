// xcheck.mjs -- llama.cpp's next-token distributions (node-llama-cpp) against llmz's (tools/xcheck/lmdump.c).
//
//   NODE_PATH=$XCHECK_DIR/node_modules node tools/xcheck/xcheck.mjs --model M.gguf --ids IDS --logits LLMZ.f32
//       [--window N] [--threads N] [--text TEXT --llmz-ids IDS2] [--label NAME] [--json OUT.json]
//       [--ref REF.f32] [--kv F16|F32]
//
// IDS: the token ids fed to both (white-space separated), cut into windows of N (each from an empty cache, as
// lmdump does).  LLMZ.f32: lmdump's logits for the same ids.  Per position: llama.cpp's full distribution
// (controlledEvaluate, generateNext.probabilities, temperature 0 = no sampler but the softmax) against
// softmax(llmz's logits) in double.  Prints one line and writes the numbers as JSON:
//   top1    share of positions whose most probable token is the same
//   kl      mean KL(llama.cpp || llmz) in nats per position
//   ce_*    cross-entropy of the ids under each, bits per token (positions whose next id is in the window)
//   top1_clear  top-1 agreement where llama.cpp's two most probable tokens are >= 0.1 nats apart (no near-tie)
//   ref_*   with --ref (lmdump --float: the file's exact weights, float activations, double sums): top-1 and
//           KL(ref || each) of llama.cpp and llmz, to tell whose rounding a disagreement is
// --kv: llama.cpp's KV cache type (default F16, its default).
// --text: also tokenize TEXT with llama.cpp's tokenizer and compare with IDS2 (llmz's ids of TEXT).
import fs from "node:fs";
import path from "node:path";
import {createRequire} from "node:module";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
for (const k of ["model", "ids", "logits"])
    if (!args[k]) {
        console.error(`xcheck.mjs: --${k} is required`);
        process.exit(2);
    }
const readIds = (p) => fs.readFileSync(p, "utf8").split(/\s+/).filter((s) => s.length).map(Number);
const ids = readIds(args.ids);
const threads = Number(args.threads ?? 2);

// node-llama-cpp from NODE_PATH (or next to this script's copy): import() does not read NODE_PATH itself.
let nlc;
try {
    const req = createRequire(path.join(process.cwd(), "x.js"));
    nlc = await import(req.resolve("node-llama-cpp", {paths: (process.env.NODE_PATH ?? "").split(":")}));
} catch (e) {
    console.error("xcheck.mjs: node-llama-cpp not found (set NODE_PATH to XCHECK_DIR/node_modules): " + e.message);
    process.exit(3);
}
const llama = await nlc.getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath: args.model});
const nVocab = model.tokens.nTokens ?? model.fileInfo?.metadata?.llama?.vocab_size;
const window = Number(args.window ?? 256);
const kv = args.kv ?? "F16"; // llama.cpp's default cache type; --kv F32 takes its rounding out
const ctx = await model.createContext({contextSize: Math.max(window, 256), batchSize: window, threads, sequences: 1,
                                       experimentalKvCacheKeyType: kv, experimentalKvCacheValueType: kv});
const seq = ctx.getSequence();

// llmz's logits: one row of vocab float32 per id
const lbuf = fs.readFileSync(args.logits);
const vocab = lbuf.length / 4 / ids.length;
if (!Number.isInteger(vocab)) throw new Error(`${args.logits}: size is not ids x vocab float32`);
const logits = new Float32Array(lbuf.buffer, lbuf.byteOffset, lbuf.length / 4);
// --ref: a third set of logits for the same ids (lmdump --float: the exact computation) that both are measured from
let ref = null;
if (args.ref) {
    const rb = fs.readFileSync(args.ref);
    if (rb.length !== lbuf.length) throw new Error(`${args.ref}: not the size of ${args.logits}`);
    ref = new Float32Array(rb.buffer, rb.byteOffset, rb.length / 4);
}
const logSoftmax = (src, row, dst) => {
    let mx = -Infinity, best = 0;
    for (let t = 0; t < vocab; t++)
        if (src[row + t] > mx) {
            mx = src[row + t];
            best = t;
        }
    let s = 0;
    for (let t = 0; t < vocab; t++) s += Math.exp(src[row + t] - mx);
    const lse = mx + Math.log(s);
    for (let t = 0; t < vocab; t++) dst[t] = src[row + t] - lse;
    return best;
};
const lr = new Float64Array(vocab);
let rTop1L = 0, rTop1Z = 0, rKlL = 0, rKlZ = 0, nClear = 0, top1Clear = 0;
const GAP = 0.1; // nats between llama.cpp's two most probable tokens: a position without a near-tie

let top1 = 0, kl = 0, ceL = 0, ceZ = 0, nCe = 0, n = 0, klMax = 0, evalMs = 0;
const lq = new Float64Array(vocab);
for (let w0 = 0; w0 < ids.length; w0 += window) {
    const win = ids.slice(w0, w0 + window);
    await seq.clearHistory();
    const t0 = performance.now();
    const res = await seq.controlledEvaluate(win.map((t) => [t, {generateNext: {probabilities: true,
                                                                               options: {temperature: 0}}}]));
    evalMs += performance.now() - t0;
    for (let i = 0; i < win.length; i++) {
        // llama.cpp's probabilities are float32 and sum to 1 only to ~1e-5 over a large vocabulary: normalised here
        const raw = res[i].next.probabilities;
        let psum = 0;
        for (const p of raw.values()) psum += p;
        const probs = new Map();
        for (const [tok, p] of raw) probs.set(tok, p / psum);
        // llmz: log-softmax in double
        const row = (w0 + i) * vocab;
        const bestZ = logSoftmax(logits, row, lq);
        let k = 0, bestL = -1, pmax = -1, p2 = -1;
        for (const [tok, p] of probs) {
            if (p > pmax) {
                p2 = pmax;
                pmax = p;
                bestL = tok;
            } else if (p > p2) {
                p2 = p;
            }
            if (p > 0) k += p * (Math.log(p) - lq[tok]);
        }
        top1 += bestL === bestZ;
        if (Math.log(pmax) - Math.log(Math.max(p2, 1e-30)) >= GAP) {
            nClear++;
            top1Clear += bestL === bestZ;
        }
        if (ref) {
            const bestR = logSoftmax(ref, row, lr);
            rTop1L += bestL === bestR;
            rTop1Z += bestZ === bestR;
            let kl2 = 0, kz = 0;
            for (let t = 0; t < vocab; t++) {
                const pr = Math.exp(lr[t]);
                if (pr > 0) {
                    kl2 += pr * (lr[t] - Math.log(Math.max(probs.get(t) ?? 0, 1e-38)));
                    kz += pr * (lr[t] - lq[t]);
                }
            }
            rKlL += kl2;
            rKlZ += kz;
        }
        kl += k;
        klMax = Math.max(klMax, k);
        n++;
        if (i + 1 < win.length) {
            const next = win[i + 1];
            ceL += -Math.log2(Math.max(probs.get(next) ?? 0, 1e-30));
            ceZ += -lq[next] / Math.LN2;
            nCe++;
        }
    }
}

const out = {label: args.label ?? path.basename(args.model), model: args.model, positions: n, vocab,
             top1: top1 / n, kl: kl / n, kl_max: klMax, ce_llamacpp: ceL / nCe, ce_llmz: ceZ / nCe,
             ce_ratio: ceZ / ceL, top1_clear: top1Clear / nClear, clear_positions: nClear, kv_cache: kv,
             llamacpp_eval_tok_s: n / (evalMs / 1000)};
if (ref)
    Object.assign(out, {ref: args.ref, ref_top1_llamacpp: rTop1L / n, ref_top1_llmz: rTop1Z / n, ref_kl_llamacpp: rKlL / n,
                        ref_kl_llmz: rKlZ / n});
if (args.text && args["llmz-ids"]) {
    const text = fs.readFileSync(args.text, "utf8");
    const a = Array.from(model.tokenize(text, false)), b = readIds(args["llmz-ids"]);
    let first = -1;
    for (let i = 0; i < Math.max(a.length, b.length); i++)
        if (a[i] !== b[i]) {
            first = i;
            break;
        }
    out.ids_identical = first < 0;
    out.ids_llamacpp = a.length;
    out.ids_llmz = b.length;
    out.ids_first_diff = first;
}
const f = (x, d) => x.toFixed(d);
console.log(`${out.label}: ${n} positions, top-1 ${f(100 * out.top1, 2)}%, KL ${f(out.kl, 5)} nats (max ${f(klMax, 3)}),` +
            ` CE llama.cpp ${f(out.ce_llamacpp, 4)} llmz ${f(out.ce_llmz, 4)} bits/token (ratio ${f(out.ce_ratio, 4)}),` +
            ` top-1 without near-ties ${f(100 * out.top1_clear, 2)}% of ${nClear}` +
            (ref ? `; against ${path.basename(args.ref)}: top-1 llama.cpp ${f(100 * out.ref_top1_llamacpp, 2)}%` +
                   ` llmz ${f(100 * out.ref_top1_llmz, 2)}%, KL llama.cpp ${f(out.ref_kl_llamacpp, 5)} llmz` +
                   ` ${f(out.ref_kl_llmz, 5)}` : "") +
            (out.ids_identical === undefined ? "" : `, ids ${out.ids_identical ? "identical" :
                `differ (${out.ids_llamacpp} vs ${out.ids_llmz}, first at ${out.ids_first_diff})`}`));
if (args.json) fs.writeFileSync(args.json, JSON.stringify(out, null, 1) + "\n");
await ctx.dispose();
await model.dispose();
await llama.dispose();
