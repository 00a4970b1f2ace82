/*
** lossy.c -- the CLI's lossy mode (--lossy, --verify, --diff, the certificate in -l): option parsing, messages and
** files; the rewriting and measuring are the library's (llmz.h, "lossy").
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *const LEVEL_NAME[4] = {"lossless", "canonical", "paraphrase", "seed"};

int lossy_parse(const char *spec, int *level, int *strength)
{
    size_t n = strcspn(spec, ":");
    *level = 0;
    *strength = LLMZ_LOSSY_STRENGTH_DEFAULT;
    for (int l = 1; l <= 3; l++)
        if ((n == 1 && spec[0] == '0' + l) || (n == strlen(LEVEL_NAME[l]) && !strncmp(spec, LEVEL_NAME[l], n)))
            *level = l;
    if (!*level) return -1;
    if (spec[n] == ':') {
        char *end;
        long v;
        errno = 0;
        v = strtol(spec + n + 1, &end, 10);
        if (errno || end == spec + n + 1 || *end || v < 0 || v > 100) return -1;
        *strength = (int)v;
    }
    return 0;
}

/* Percent with two decimals of a x 10000 value. */
static void pct(char *buf, size_t cap, uint32_t v)
{
    snprintf(buf, cap, "%u.%02u%%", (unsigned)(v / 100), (unsigned)(v % 100));
}

void lossy_print_cert(const llmz_certificate *ct, int json)
{
    char h1[40], h2[40], wer[16], chrf[16], rec[16];
    fmt_hex(h1, sizeof h1, ct->orig_hash, 16);
    fmt_hex(h2, sizeof h2, ct->recon_hash, 16);
    if (json) {
        printf("    {\"lossy\": {\"level\": %u, \"name\": \"%s\", \"strength\": %u, \"original_size\": %llu, "
               "\"reconstruction_size\": %llu, \"original_sha256_16\": \"%s\", \"reconstruction_sha256_16\": \"%s\", "
               "\"words\": %u, \"content_words\": %u, \"reconstruction_words\": %u, \"wer\": %.4f, \"chrf\": %.4f, "
               "\"content_word_recall\": %.4f, \"protected\": %u, \"protected_kept\": %u, \"protected_invented\": %u, "
               "\"new_content_words\": %u, \"words_equal_after_folding\": %s, \"changes\": %u, "
               "\"certificate_version\": %u}}\n",
               (unsigned)ct->level, LEVEL_NAME[ct->level & 3], (unsigned)ct->strength,
               (unsigned long long)ct->orig_size, (unsigned long long)ct->recon_size, h1, h2, (unsigned)ct->words,
               (unsigned)ct->content_words, (unsigned)ct->words_recon, ct->wer / 10000.0, ct->chrf / 10000.0,
               ct->recall / 10000.0, (unsigned)ct->prot_total, (unsigned)ct->prot_kept, (unsigned)ct->prot_invented,
               (unsigned)ct->new_content, ct->words_equal_folded ? "true" : "false", (unsigned)ct->changes,
               (unsigned)(ct->version ? ct->version : 1));
        return;
    }
    pct(wer, sizeof wer, ct->wer);
    pct(chrf, sizeof chrf, ct->chrf);
    pct(rec, sizeof rec, ct->recall);
    printf("    lossy: level %u (%s), strength %u: %llu -> %llu bytes, %u changes; WER %s, chrF %s, content-word "
           "recall %s; protected items kept %u of %u, invented %u; new content words %u; words equal after folding: "
           "%s; original sha256 %s...\n",
           (unsigned)ct->level, LEVEL_NAME[ct->level & 3], (unsigned)ct->strength, (unsigned long long)ct->orig_size,
           (unsigned long long)ct->recon_size, (unsigned)ct->changes, wer, chrf, rec, (unsigned)ct->prot_kept,
           (unsigned)ct->prot_total, (unsigned)ct->prot_invented, (unsigned)ct->new_content,
           ct->words_equal_folded ? "yes" : "no", h1);
}

const unsigned char *lossy_prepare(cli_ctx *c, const llmz_model *m, llmz_cctx *cc, const unsigned char *in, size_t n,
                                   const char *name,
                                   size_t *out_n, void **owned)
{
    llmz_certificate cert;
    void *rec = NULL;
    size_t rn = 0;
    int err;
    *owned = NULL;
    *out_n = n;
    if (llmz_lossy_prose(in, n) < LLMZ_LOSSY_PROSE_MIN) { /* binary, code, JSON, logs: never mangled */
        if (!c->lossy_warned)
            msg_warn(name, "not prose (%s): coded losslessly", n == 0 ? "empty" : "code, data, logs or binary");
        c->lossy_warned = 1;
        return llmz_cctx_set_certificate(cc, NULL) == LLMZ_OK ? in : NULL;
    }
    err = llmz_lossy_rewrite(m, c->o.lossy, c->o.lossy_strength, (int)c->o.threads, in, n, &rec,
                             &rn, &cert);
    if (err == LLMZ_OK) err = llmz_cctx_set_certificate(cc, &cert);
    if (err != LLMZ_OK) {
        llmz_free_buffer(rec);
        msg_error(name, "lossy rewriting failed: %s", llmz_error_name(err));
        return NULL;
    }
    *owned = rec;
    *out_n = rn;
    return rec;
}

int lossy_keep_smaller(cli_ctx *c, llmz_cctx *cc, const unsigned char *in, size_t n, unsigned char *out,
                       size_t *fsize, llmz_stats *st, const char *name)
{
    llmz_certificate same;
    llmz_stats ast;
    size_t an = 0, cap = llmz_frame_bound(n);
    unsigned char *alt = malloc(cap);
    int err = alt ? LLMZ_OK : LLMZ_ERR_NOMEM;
    memset(&same, 0, sizeof same);
    same.level = (uint8_t)c->o.lossy;
    same.strength = (uint8_t)(c->o.lossy_strength < 0 ? 100 : c->o.lossy_strength);
    if (err == LLMZ_OK) err = llmz_lossy_measure(in, n, in, n, &same);
    if (err == LLMZ_OK) err = llmz_cctx_set_certificate(cc, &same);
    memset(&ast, 0, sizeof ast);
    if (err == LLMZ_OK) err = llmz_compress_frame(cc, alt, cap, &an, in, n, &ast);
    if (err == LLMZ_OK && an < *fsize && an <= cap) { /* the original, certified unchanged, is smaller */
        memcpy(out, alt, an);
        *fsize = an;
        *st = ast;
        if (c->o.verbose) msg_info("%s: the rewriting saves nothing; the original is kept", name);
    }
    free(alt);
    if (err != LLMZ_OK) msg_error(name, "compression failed: %s", llmz_error_name(err));
    return err == LLMZ_OK ? 0 : -1;
}

/* The n-th frame's certificate of the archive a[0, size) from offset *pos (moved past the frame): 1 lossy, 0
** lossless, -1 error. */
static int next_cert(const unsigned char *a, size_t size, size_t *pos, llmz_certificate *ct, uint64_t *orig)
{
    llmz_frame_info info;
    size_t need;
    while (*pos < size && a[*pos] == 0) ++*pos; /* padding */
    if (llmz_frame_header_size(a + *pos, size - *pos, &need) != LLMZ_OK ||
        llmz_frame_get_info(&info, a + *pos, size - *pos) != LLMZ_OK || info.frame_size > size - *pos)
        return -1;
    *orig = info.orig_size;
    int lossy = info.mode == 1 && llmz_frame_get_certificate(ct, a + *pos, size - *pos) == LLMZ_OK;
    *pos += (size_t)info.frame_size;
    return lossy;
}

/* Compare a certificate with the measurements made again; prints the differences; 0 if equal. */
static int cert_same(const llmz_certificate *a, const llmz_certificate *b, uint64_t frame)
{
    int bad = 0;
#define SAME(f)                                                                                                      \
    if (a->f != b->f) {                                                                                              \
        msg_info("frame %llu: %s: the archive says %llu, the files give %llu", (unsigned long long)frame, #f,       \
                 (unsigned long long)a->f, (unsigned long long)b->f);                                               \
        bad = 1;                                                                                                     \
    }
    SAME(orig_size) SAME(recon_size) SAME(words) SAME(content_words) SAME(words_recon) SAME(wer) SAME(chrf)
    SAME(recall) SAME(prot_total) SAME(prot_kept) SAME(prot_invented) SAME(new_content) SAME(words_equal_folded)
#undef SAME
    if (memcmp(a->orig_hash, b->orig_hash, 16) != 0) {
        msg_info("frame %llu: the original's hash differs: this is not the file the archive was made from",
                 (unsigned long long)frame);
        bad = 1;
    }
    return bad;
}

/* The decoded archive (through codec_decompress, into a temporary file) into memory. */
static int decode_all(cli_ctx *c, const char *archive, void **out, size_t *out_n)
{
    codec_result r;
    FILE *tmp = tmpfile();
    int in_fd = open(archive, O_RDONLY), rc = -1;
    memset(&r, 0, sizeof r);
    if (!tmp || in_fd < 0) {
        msg_error(archive, "%s", strerror(errno));
    } else if (codec_decompress(c, in_fd, fileno(tmp), archive, &r) == 0) {
        size_t n = (size_t)r.out_bytes;
        *out = malloc(n ? n : 1);
        *out_n = n;
        rc = *out && pread(fileno(tmp), *out, n, 0) == (ssize_t)n ? 0 : -1;
        if (rc) msg_error(archive, "cannot read the decoded text back");
    }
    if (in_fd >= 0) close(in_fd);
    if (tmp) fclose(tmp);
    return rc;
}

int lossy_verify(cli_ctx *c, const char *original, const char *archive)
{
    void *orig = NULL, *arch = NULL, *rec = NULL;
    size_t on = 0, an = 0, rn = 0, apos = 0, opos = 0, rpos = 0;
    uint64_t frame = 0, lossy = 0;
    int bad = 0;
    if (fio_read_whole(original, "original", &orig, &on) != 0 || fio_read_whole(archive, "archive", &arch, &an) != 0 ||
        decode_all(c, archive, &rec, &rn) != 0) {
        free(orig);
        free(arch);
        return EXIT_ERR;
    }
    while (apos < an && !bad) { /* frame by frame: its share of the original and of the decoded text */
        llmz_certificate ct, again;
        uint64_t fo;
        int k = next_cert(arch, an, &apos, &ct, &fo);
        frame++;
        if (k < 0) break;
        if (k == 0) { /* a lossless frame: the original's bytes exactly */
            bad = fo > on - opos || memcmp((char *)orig + opos, (char *)rec + rpos, (size_t)fo) != 0;
            if (bad) msg_info("frame %llu (lossless) differs from the original", (unsigned long long)frame);
            opos += (size_t)fo;
            rpos += (size_t)fo;
            continue;
        }
        lossy++;
        if (ct.orig_size > on - opos) {
            msg_info("frame %llu: the original is shorter than the archive says", (unsigned long long)frame);
            bad = 1;
            break;
        }
        again = ct;
        if (llmz_lossy_measure((char *)orig + opos, (size_t)ct.orig_size, (char *)rec + rpos, (size_t)fo, &again) !=
            LLMZ_OK) {
            bad = 1;
            break;
        }
        lossy_print_cert(&ct, c->o.verbose > 0);
        bad = cert_same(&ct, &again, frame);
        opos += (size_t)ct.orig_size;
        rpos += (size_t)fo;
    }
    if (!bad && (opos != on || rpos != rn)) {
        msg_info("the archive covers %llu bytes of the original's %llu", (unsigned long long)opos,
                 (unsigned long long)on);
        bad = 1;
    }
    if (!bad) printf("%s: verified: %llu frame%s (%llu lossy) certify %s\n", archive, (unsigned long long)frame,
                     frame == 1 ? "" : "s", (unsigned long long)lossy, original);
    else msg_error(archive, "the certificate does not hold for %s", original);
    free(orig);
    free(arch);
    free(rec);
    return bad ? EXIT_ERR : EXIT_OK;
}

/* Bytes of text for a terminal or for HTML (escaped). */
static void put_text(const char *s, size_t n, int html)
{
    if (!html) {
        fwrite(s, 1, n, stdout);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '<': fputs("&lt;", stdout); break;
        case '>': fputs("&gt;", stdout); break;
        case '&': fputs("&amp;", stdout); break;
        default: putchar(s[i]);
        }
    }
}

/* The reconstruction with every edit shown: [-old-]{+new+} (coloured on a terminal), or <del>/<ins> in HTML. */
static void print_diff(const char *a, const char *b, size_t bn, const llmz_lossy_edit *e, size_t ne, int html,
                       int color)
{
    const char *del0 = html ? "<del>" : color ? "\033[31m[-" : "[-";
    const char *del1 = html ? "</del>" : color ? "-]\033[0m" : "-]";
    const char *ins0 = html ? "<ins>" : color ? "\033[32m{+" : "{+";
    const char *ins1 = html ? "</ins>" : color ? "+}\033[0m" : "+}";
    size_t at = 0; /* in b */
    for (size_t k = 0; k < ne; k++) {
        put_text(b + at, (size_t)e[k].recon_off - at, html);
        if (e[k].orig_len) {
            fputs(del0, stdout);
            put_text(a + e[k].orig_off, (size_t)e[k].orig_len, html);
            fputs(del1, stdout);
        }
        if (e[k].recon_len) {
            fputs(ins0, stdout);
            put_text(b + e[k].recon_off, (size_t)e[k].recon_len, html);
            fputs(ins1, stdout);
        }
        at = (size_t)(e[k].recon_off + e[k].recon_len);
    }
    put_text(b + at, bn - at, html);
}

int lossy_diff(cli_ctx *c, const char *path)
{
    void *in = NULL, *rec = NULL;
    size_t n = 0, rn = 0, ne = 0;
    llmz_lossy_edit *e = NULL;
    llmz_certificate ct;
    int html = c->o.diff == 2, err;
    const char *nocolor = getenv("NO_COLOR");
    int color = !html && isatty(STDOUT_FILENO) && !(nocolor && *nocolor);
    if (codec_model(c) != 0 || fio_read_whole(path, "input", &in, &n) != 0) return EXIT_ERR;
    if (llmz_lossy_prose(in, n) < LLMZ_LOSSY_PROSE_MIN) {
        msg_warn(path, "not prose (code, data, logs or binary): --lossy would code it losslessly");
        free(in);
        return EXIT_OK;
    }
    err = llmz_lossy_rewrite(c->model, c->o.lossy, c->o.lossy_strength, (int)c->o.threads, in, n, &rec, &rn, &ct);
    if (err == LLMZ_OK) err = llmz_lossy_diff(in, n, rec, rn, &e, &ne);
    if (err != LLMZ_OK) {
        msg_error(path, "lossy rewriting failed: %s", llmz_error_name(err));
        free(in);
        llmz_free_buffer(rec);
        return EXIT_ERR;
    }
    if (html) {
        fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>llmz --lossy --diff: ", stdout);
        put_text(path, strlen(path), 1);
        fputs("</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto}pre{white-space:pre-wrap}"
              "del{background:#fdd;color:#900}ins{background:#dfd;color:#060;text-decoration:none}</style></head>"
              "<body>\n<h1>",
              stdout);
        put_text(path, strlen(path), 1);
        printf(": level %u (%s), strength %u</h1>\n<p>%llu changes; %llu -> %llu bytes; WER %.2f%%, chrF %.2f%%, "
               "content-word recall %.2f%%, protected items kept %u of %u, invented %u, new content words %u"
               "</p>\n<pre>",
               (unsigned)ct.level, LEVEL_NAME[ct.level & 3], (unsigned)ct.strength, (unsigned long long)ct.changes,
               (unsigned long long)n, (unsigned long long)rn, ct.wer / 100.0, ct.chrf / 100.0, ct.recall / 100.0,
               (unsigned)ct.prot_kept, (unsigned)ct.prot_total, (unsigned)ct.prot_invented, (unsigned)ct.new_content);
    }
    print_diff(in, rec, rn, e, ne, html, color);
    if (html) fputs("</pre></body></html>\n", stdout);
    else if (!c->o.quiet)
        fprintf(stderr, "llmz: %s: level %u, strength %u: %u changes in %llu regions\n", path, (unsigned)ct.level,
                (unsigned)ct.strength, (unsigned)ct.changes, (unsigned long long)ne);
    free(in);
    llmz_free_buffer(rec);
    llmz_free_buffer(e);
    return EXIT_OK;
}
