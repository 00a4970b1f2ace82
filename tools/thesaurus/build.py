#!/usr/bin/python3
"""build.py -- generate lib/lossy/thesaurus_data.c (the embedded thesaurus of the paraphrase mode).

Regeneration (from the repository root; about a minute):

    xz -dc ../shared/corpus/train_mix_v1.txt.xz | head -c 200000000 \\
        | tools/thesaurus/count_words.py > build/thes_counts.tsv
    tools/thesaurus/build.py --counts build/thes_counts.tsv --wordnet /usr/share/wordnet \\
        --out lib/lossy/thesaurus_data.c

Inputs (checked: the script stops if a sha256 differs, unless --any-input):
  * Debian's wordnet-base 1:3.0-37 (WordNet 3.0, Princeton licence: lib/lossy/THESAURUS-LICENCE):
    index.{noun,verb,adj,adv}, data.{noun,verb,adj,adv}, {noun,verb,adj}.exc, cntlist.rev;
  * word counts of the first 200,000,000 bytes of ../shared/corpus/train_mix_v1.txt.xz (Project Gutenberg
    books only), made by tools/thesaurus/count_words.py (ASCII letter runs, lower-cased);
  * the British/American spelling pairs, the irregular verbs' past/participle split and the contractions
    written below (this file, from general knowledge of English).

Rules (the README of the paraphrase mode refers to them):
  * A word (key or equivalent) is lower-case ASCII letters only and occurs at least MIN_COUNT times in the counts.
  * Senses of a word w: its part of speech is the one whose senses have the most SemCor tags in cntlist.rev
    (with no tags at all, w must have a single part of speech); among them WordNet's sense 1, and sense 2 as
    well when its tag count is at least 3 and at least half of sense 1's.  A sense whose synset spells w with
    capitals (March, Turkey) is not w's.  The dominant part of speech must hold at least DOMINANT of w's tags.
  * Equivalents of w: the other single-word lemmas of those synsets (lower-case in the synset), that pass the
    count filter and are not also an inflected form of some other lemma (found, left, saw); most frequent first,
    at most MAX_EQ.
  * Inflected keys: nouns' plurals, verbs' -s, past, past participle and -ing forms, adjectives' comparative and
    superlative (noun.exc / verb.exc / adj.exc, else regular English rules; adjectives' regular -er/-est forms
    only where the form is no WordNet lemma itself), each only if the form passes the count filter.  An
    inflected key maps to its lemma's equivalents inflected the same way, where that form passes the filter.
    A surface form reachable from more than one lemma (saw: see + saw; does: do + doe; feeling: feel + feeling)
    keeps only the equivalents all of them give (in practice none), except that a lemma with fewer than
    1/LEMMA_RATIO of the SemCor tags of the lemma it inflects does not count (said: adjective 'said' vs 'say').
  * STOP words (closed-class words, light verbs, numerals, words of one or two letters) and their inflected forms
    are neither keys nor equivalents; NOT_EQ words are no equivalents.
  * Spelling variants (second table): SPELLING pairs both ways, with their inflected forms (same rules, both
    forms in the counts at least twice).
  * Contractions (third table): CONTRACTIONS, in this order.
"""
import argparse
import collections
import hashlib
import math
import os
import re
import sys

MIN_COUNT = 20
MAX_EQ = 8
DOMINANT = 0.6
EQ_SENSE_RANK = 3
LEMMA_RATIO = 20

WORDNET_SHA256 = {  # Debian wordnet-base 1:3.0-37, /usr/share/wordnet
    "index.noun": "a490d99d93d017bf4822fe2f0ffa51fd73911ce271dc7535fade21f8814b5a04",
    "index.verb": "e2ac24816c3a8289dcb72aaa9cf8db81fdf25ec34d792bfc96ac5b7a20c8b4ae",
    "index.adj": "c9865d7b4d1f805bdef82ccdcea5282436e23083e6f6f1b33e716327c4eda810",
    "index.adv": "6f5465ed5758fe9c8a2f7ec17b1300f3aa875756c70ff7cba162f7e71bcf88ea",
    "data.noun": "fea17d2f9656611334eac790e5d69e47645fa180c4aa481fb4cd9b3520754ca2",
    "data.verb": "adcf43e35b581e8036d8b5a52d63d9cd3d3b4870b2720d3c03c799df44777bc2",
    "data.adj": "c89120dfc1f046ddff4a631bf9b7e9fa1a36b5e86565a23bf82dbe14f30b88a7",
    "data.adv": "444a63bf3955080ab7524f5079cfc07ff9bc682cb98bdb1db73b0fb9829f1139",
    "noun.exc": "2b5d675c380b39ecf595af9fa9d4e7feb1d58c643b0bff08c40ed5bfe41fab7a",
    "verb.exc": "dbbcf9a601b2d77e934e413b91d90e88ec7f933a8b77cfc00602a923b891b42c",
    "adj.exc": "8824cc24bbedd797b9702316b27f07cd4c2b76b629539f0a1276f03926758016",
    "cntlist.rev": "a198580b8f705fa02797bba8b13e5cbe4a9f9f40cb1697e774c7fc6a5865b035",
}

POS = ("n", "v", "a", "r")
POS_FILE = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
SS_POS = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "a"}
WORD_RE = re.compile(r"^[a-z]+$")

# Irregular verbs whose past and past participle differ: base, past, participle (a/b: either form).
IRREGULAR = """
arise arose arisen; awake awoke awoken; bear bore borne/born; beat beat beaten; become became become;
begin began begun; bite bit bitten; blow blew blown; break broke broken; choose chose chosen; come came come;
do did done; draw drew drawn; drink drank drunk; drive drove driven; eat ate eaten; fall fell fallen;
fly flew flown; forbid forbade forbidden; forget forgot forgotten; forgive forgave forgiven;
forsake forsook forsaken; freeze froze frozen; get got got/gotten; give gave given; go went gone;
grow grew grown; hide hid hidden; know knew known; lie lay lain; mistake mistook mistaken; mow mowed mown;
overcome overcame overcome; overtake overtook overtaken; ride rode ridden; ring rang rung; rise rose risen;
run ran run; see saw seen; sew sewed sewn; shake shook shaken; show showed shown; shrink shrank shrunk;
sing sang sung; sink sank sunk; slay slew slain; smite smote smitten; sow sowed sown; speak spoke spoken;
spring sprang sprung; steal stole stolen; stink stank stunk; stride strode stridden; strive strove striven;
swear swore sworn; swell swelled swollen; swim swam swum; take took taken; tear tore torn; throw threw thrown;
tread trod trodden; undertake undertook undertaken; wake woke woken; wear wore worn; weave wove woven;
withdraw withdrew withdrawn; write wrote written; forego forewent foregone; foresee foresaw foreseen;
undergo underwent undergone; beget begat begotten; bid bade bidden; shear sheared shorn; hew hewed hewn;
prove proved proven; saw sawed sawn; stave stove staved; partake partook partaken; outgrow outgrew outgrown;
override overrode overridden; rewrite rewrote rewritten; shine shone shone; sting stung stung
"""

# British / American spelling pairs (British first), from general knowledge of English.  Left out where the
# American form has other meanings (storey/story, tyre/tire, kerb/curb, cheque/check, metre/meter, draught/draft)
# or the British one is one part of speech only (practise/practice).
SPELLING = """
colour color; favour favor; honour honor; labour labor; neighbour neighbor; behaviour behavior;
harbour harbor; humour humor; rumour rumor; vapour vapor; vigour vigor; valour valor; odour odor;
flavour flavor; armour armor; ardour ardor; candour candor; clamour clamor; fervour fervor; glamour glamor;
parlour parlor; rancour rancor; rigour rigor; savour savor; splendour splendor; succour succor; tumour tumor;
endeavour endeavor; demeanour demeanor; saviour savior; honourable honorable; favourite favorite;
favourable favorable; colourful colorful; colourless colorless; labourer laborer; neighbourhood neighborhood;
neighbouring neighboring; harbour harbor; humorous humorous; dishonour dishonor; discolour discolor;
centre center; theatre theater; litre liter; fibre fiber; sombre somber; spectre specter;
sceptre scepter; lustre luster; meagre meager; calibre caliber; sabre saber; mitre miter; ochre ocher;
sepulchre sepulcher; manoeuvre maneuver; goitre goiter; lacklustre lackluster;
realise realize; recognise recognize; organise organize; apologise apologize; criticise criticize;
emphasise emphasize; memorise memorize; sympathise sympathize; civilise civilize; baptise baptize;
authorise authorize; characterise characterize; colonise colonize; patronise patronize; scrutinise scrutinize;
tyrannise tyrannize; agonise agonize; harmonise harmonize; idolise idolize; legalise legalize;
moralise moralize; naturalise naturalize; neutralise neutralize; paralyse paralyze; analyse analyze;
catalyse catalyze; organisation organization; civilisation civilization; realisation realization;
colonisation colonization; authorisation authorization; characterisation characterization;
utilise utilize; visualise visualize; familiarise familiarize; symbolise symbolize; summarise summarize;
standardise standardize; specialise specialize; minimise minimize; maximise maximize; mobilise mobilize;
immortalise immortalize; fertilise fertilize; economise economize; dramatise dramatize; satirise satirize;
defence defense; offence offense; licence license; pretence pretense;
travelled traveled; travelling traveling; traveller traveler; cancelled canceled; cancelling canceling;
labelled labeled; levelled leveled; modelled modeled; quarrelled quarreled; quarrelling quarreling;
marvellous marvelous; jewellery jewelry; jeweller jeweler; woollen woolen; counsellor counselor;
signalled signaled; fuelled fueled; dialled dialed; totalled totaled; revelled reveled; revelling reveling;
grey gray; greyish grayish; plough plow; ploughed plowed; ploughman plowman; mould mold;
mouldy moldy; moult molt; smoulder smolder; gaol jail; gaoler jailer;
pyjamas pajamas; aluminium aluminum; sceptic skeptic; sceptical skeptical; scepticism skepticism;
programme program; catalogue catalog; dialogue dialog; analogue analog; judgement judgment;
acknowledgement acknowledgment; ageing aging; whisky whiskey; mediaeval medieval;
encyclopaedia encyclopedia; anaemia anemia; anaesthetic anesthetic; foetus fetus; oesophagus esophagus;
manoeuvring maneuvering; diarrhoea diarrhea; oestrogen estrogen; paediatric pediatric; archaeology archeology;
enrol enroll; fulfil fulfill; instil instill; distil distill; enthral enthrall; skilful skillful;
wilful willful; fulfilment fulfillment; enrolment enrollment; instalment installment;
axe ax; moustache mustache; sulphur sulfur; artefact artifact; cosy cozy; connexion connection;
inflexion inflection; speciality specialty; carcase carcass; waggon wagon; gipsy gypsy;
despatch dispatch; enquire inquire; enquiry inquiry
"""

# Contractions: long form, short form (ASCII apostrophe).  's and 'd forms also stand for "has" and "had":
# only the long -> short direction is always meaning-preserving.
CONTRACTIONS = [
    ("do not", "don't"), ("does not", "doesn't"), ("did not", "didn't"), ("is not", "isn't"),
    ("are not", "aren't"), ("was not", "wasn't"), ("were not", "weren't"), ("have not", "haven't"),
    ("has not", "hasn't"), ("had not", "hadn't"), ("will not", "won't"), ("would not", "wouldn't"),
    ("shall not", "shan't"), ("should not", "shouldn't"), ("cannot", "can't"), ("can not", "can't"),
    ("could not", "couldn't"), ("must not", "mustn't"), ("might not", "mightn't"), ("need not", "needn't"),
    ("I am", "I'm"), ("I have", "I've"), ("I will", "I'll"), ("I would", "I'd"), ("you are", "you're"),
    ("you have", "you've"), ("you will", "you'll"), ("you would", "you'd"), ("he is", "he's"),
    ("he will", "he'll"), ("he would", "he'd"), ("she is", "she's"), ("she will", "she'll"),
    ("she would", "she'd"), ("it is", "it's"), ("it will", "it'll"), ("we are", "we're"), ("we have", "we've"),
    ("we will", "we'll"), ("we would", "we'd"), ("they are", "they're"), ("they have", "they've"),
    ("they will", "they'll"), ("they would", "they'd"), ("that is", "that's"), ("there is", "there's"),
    ("here is", "here's"), ("what is", "what's"), ("where is", "where's"), ("who is", "who's"),
    ("let us", "let's"),
]

# Never keys nor equivalents (with their inflected forms): closed-class words (WordNet lists some as rare nouns or
# adjectives: will -> volition, one -> i, thou -> thousand, in -> inwards), light verbs whose sense 1 is seldom the
# one meant (make <-> do, let -> allow, set <-> put), roman numerals; also every word of one or two letters but
# these: go ox ax.
STOP = """
a an the this that these those some any each every either neither no none all both few many much more most
other another such what which who whom whose whatever whichever whoever whatsoever
i me my mine myself we us our ours ourselves you your yours yourself yourselves thou thee thy thine ye
he him his himself she her hers herself it its itself they them their theirs themselves one ones oneself
be am is are was were been being have has had having do does did done doing
will would shall should can could may might must ought need dare
not nor and or but if then else than as because since unless until till while whilst though although whether
so yet also too very just only even still already ever never always often quite rather almost
in on at of to for with by from into onto upon about above across after against along among amongst around
before behind below beneath beside besides between beyond down during except inside near off out outside over
past per round through throughout toward towards under underneath unto up within without via like unlike
here there where when why how now then thus hence whence thence
zero two three four five six seven eight nine ten eleven twelve hundred thousand million first second third
make get set put take give let keep hold
mr mrs st sir
"""
# Never equivalents (dialect, foreign or slang senses a reader would not take as the same word): own -> ain,
# girl -> fille, mind -> nous, eyes -> optics, time -> clip, hand -> paw.
NOT_EQ = set("ain ane fille nous optics optic clip paw paws mitt mitts nix cypher cipher tyke missy".split())
ROMAN = re.compile(r"^m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
SHORT_OK = ("go", "ox", "ax")

NOUN_SLOTS = ("pl",)
VERB_SLOTS = ("s", "past", "pp", "ing")
ADJ_SLOTS = ("cmp", "sup")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def load_counts(path):
    counts = {}
    header = None
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                header = line.split()
                continue
            w, c = line.rstrip("\n").split("\t")
            counts[w] = int(c)
    return counts, header


class WordNet:
    def __init__(self, d):
        self.index = {}  # (lemma, pos) -> [offsets in sense order]
        for p in POS:
            with open(os.path.join(d, "index." + POS_FILE[p])) as f:
                for line in f:
                    if line.startswith(" "):
                        continue
                    t = line.split()
                    lemma, synset_cnt, p_cnt = t[0], int(t[2]), int(t[3])
                    offs = t[6 + p_cnt:6 + p_cnt + synset_cnt]
                    self.index[(lemma, p)] = [int(o) for o in offs]
        self.lemmas = set(l for (l, _) in self.index)
        self.tags = collections.defaultdict(int)  # (lemma, pos, sense number) -> tag count
        with open(os.path.join(d, "cntlist.rev")) as f:
            for line in f:
                key, num, cnt = line.split()
                lemma, rest = key.split("%", 1)
                self.tags[(lemma, SS_POS[rest[0]], int(num))] += int(cnt)
        self.synsets = {}  # (pos, offset) -> [words as spelled]
        for p in POS:
            with open(os.path.join(d, "data." + POS_FILE[p])) as f:
                for line in f:
                    if line.startswith(" "):
                        continue
                    t = line.split(" ", 4 + 2 * 256)
                    off, n = int(t[0]), int(t[3], 16)
                    words = [re.sub(r"\([a-z]+\)$", "", t[4 + 2 * i]) for i in range(n)]
                    self.synsets[(p, off)] = words
        self.exc = {}  # pos -> {form: [bases]}
        for p in ("n", "v", "a"):
            m = collections.defaultdict(list)
            with open(os.path.join(d, POS_FILE[p] + ".exc")) as f:
                for line in f:
                    t = line.split()
                    for b in t[1:]:
                        m[t[0]].append(b)
            self.exc[p] = m


def regular_forms(lemma, slot):
    """Candidate regular inflections (several where English spelling hesitates; the counts decide)."""
    w = lemma
    cons_y = len(w) > 1 and w[-1] == "y" and w[-2] not in "aeiou"
    if slot in ("pl", "s"):
        if w.endswith(("s", "x", "z", "ch", "sh")):
            return [w + "es"]
        if cons_y:
            return [w[:-1] + "ies"]
        if w.endswith("o"):
            return [w + "s", w + "es"]
        return [w + "s"]
    if slot in ("past", "pp"):
        if w.endswith("e"):
            return [w + "d"]
        if cons_y:
            return [w[:-1] + "ied"]
        return [w + "ed"]
    if slot == "ing":
        if w.endswith("ie"):
            return [w[:-2] + "ying"]
        if w.endswith("e") and not w.endswith(("ee", "ye", "oe")) and len(w) > 2:
            return [w[:-1] + "ing"]
        return [w + "ing"]
    if slot in ("cmp", "sup"):
        suf = "er" if slot == "cmp" else "est"
        if w.endswith("e"):
            return [w + suf[1:]]
        if cons_y:
            return [w[:-1] + "i" + suf]
        return [w + suf]
    return []


class Builder:
    def __init__(self, wn, counts, min_count):
        self.wn, self.counts, self.min_count = wn, counts, min_count
        self.irr = {}
        for item in IRREGULAR.replace("\n", " ").split(";"):
            t = item.split()
            if t:
                self.irr[t[0]] = (t[1].split("/"), t[2].split("/"))
        self.irr_forms = {}  # form -> set of (base, slot)
        for b, (past, pp) in self.irr.items():
            for f in past:
                self.irr_forms.setdefault(f, set()).add((b, "past"))
            for f in pp:
                self.irr_forms.setdefault(f, set()).add((b, "pp"))

    def ok(self, w, least=None):
        return WORD_RE.match(w) is not None and self.counts.get(w, 0) >= (least or self.min_count)

    def forms(self, lemma, pos, least=None):
        """slot -> [forms passing the filter, most frequent first] for lemma as pos."""
        out = {}
        if pos == "n":
            slots = NOUN_SLOTS
        elif pos == "v":
            slots = VERB_SLOTS
        elif pos == "a":
            slots = ADJ_SLOTS
        else:
            return out
        exc = collections.defaultdict(list)
        for form in self.exc_by_base[pos].get(lemma, ()):
            if pos == "n":
                exc["pl"].append(form)
            elif pos == "a":
                exc["sup" if form.endswith("st") else "cmp"].append(form)
            else:
                if form.endswith("ing") and not lemma.endswith("ing"):
                    exc["ing"].append(form)
                elif lemma in self.irr:
                    for b, s in self.irr_forms.get(form, ()):
                        if b == lemma:
                            exc[s].append(form)
                elif form.endswith("s") and not lemma.endswith("s"):
                    exc["s"].append(form)
                else:
                    exc["past"].append(form)
                    exc["pp"].append(form)
        if pos == "v" and lemma in self.irr:
            past, pp = self.irr[lemma]
            exc["past"] = list(past)
            exc["pp"] = list(pp)
        for s in slots:
            if exc.get(s):
                cands = exc[s]
            else:
                cands = regular_forms(lemma, s)
                if pos == "a":
                    cands = [c for c in cands if c not in self.wn.lemmas]
            cands = [c for c in dict.fromkeys(cands) if c != lemma and self.ok(c, least)]
            if cands:
                out[s] = sorted(cands, key=lambda c: (-self.counts[c], c))
        return out

    def dominant_pos(self, w):
        """The part of speech with most of w's SemCor tags; None without tags."""
        best, bt = None, 0
        for p in POS:
            t = sum(self.wn.tags.get((w, p, i + 1), 0) for i in range(len(self.wn.index.get((w, p), ()))))
            if t > bt:
                best, bt = p, t
        return best

    def senses(self, w):
        """Selected synsets of w: [(pos, offset)] (empty: w has no equivalents)."""
        wn = self.wn
        tot = {}
        for p in POS:
            offs = wn.index.get((w, p))
            if offs:
                tot[p] = sum(wn.tags.get((w, p, i + 1), 0) for i in range(len(offs)))
        if not tot:
            return []
        all_tags = sum(tot.values())
        if all_tags == 0:
            if len(tot) != 1:
                return []
            p = next(iter(tot))
        else:
            p = max(POS, key=lambda q: (tot.get(q, -1), -POS.index(q)))
            if tot[p] < DOMINANT * all_tags:
                return []
        offs = wn.index[(w, p)]
        c1 = wn.tags.get((w, p, 1), 0)
        chosen = [offs[0]]
        if len(offs) > 1:
            c2 = wn.tags.get((w, p, 2), 0)
            if c2 >= 3 and 2 * c2 >= c1:
                chosen.append(offs[1])
        out = []
        for o in chosen:
            if w in wn.synsets[(p, o)]:  # spelled lower-case in this synset
                out.append((p, o))
        return out

    def build(self):
        wn = self.wn
        self.exc_by_base = {}
        for p in ("n", "v", "a"):
            m = collections.defaultdict(list)
            for form, bases in wn.exc[p].items():
                for b in bases:
                    m[b].append(form)
            self.exc_by_base[p] = m
        single = sorted(l for l in wn.lemmas if WORD_RE.match(l))
        # every way a surface form is reached: form -> {base: set of (pos, slot)}
        self.origin = collections.defaultdict(lambda: collections.defaultdict(set))
        self.lemma_forms = {}
        for l in single:
            for p in POS:
                if (l, p) not in wn.index:
                    continue
                fs = self.forms(l, p)
                self.lemma_forms[(l, p)] = fs
                for s, lst in fs.items():
                    for f in lst:
                        self.origin[f][l].add((p, s))
        # base equivalents
        self.eq = {}  # lemma -> {pos: [equivalents]}
        for l in single:
            if not self.ok(l):
                continue
            by_pos = {}
            for p, o in self.senses(l):
                for e in wn.synsets[(p, o)]:
                    if e == l or not self.ok(e) or e in self.ambiguous_out():
                        continue
                    if o not in wn.index.get((e, p), [])[:EQ_SENSE_RANK]:
                        continue
                    if self.dominant_pos(e) not in (None, p):
                        continue
                    by_pos.setdefault(p, [])
                    if e not in by_pos[p]:
                        by_pos[p].append(e)
            if by_pos:
                self.eq[l] = by_pos
        # keys: lemmas and inflected forms
        table = {}
        keys = set(l for l in self.eq) | set(f for f in self.origin if self.ok(f))
        for k in sorted(keys):
            lists = []
            own = sum(wn.tags.get((k, p, i + 1), 0) for p in POS for i in range(len(wn.index.get((k, p), ()))))
            inflected_tags = 0
            for base, ps in self.origin.get(k, {}).items():
                for p, s in ps:
                    inflected_tags = max(inflected_tags, sum(wn.tags.get((base, p, i + 1), 0)
                                                             for i in range(len(wn.index.get((base, p), ())))))
            if k in wn.lemmas and not (k in self.origin and own * LEMMA_RATIO < inflected_tags):
                lst = set()
                for p, es in self.eq.get(k, {}).items():
                    lst.update(es)
                lists.append(lst)
            for base, ps in self.origin.get(k, {}).items():
                lst = set()
                for p, s in ps:
                    for e in self.eq.get(base, {}).get(p, ()):
                        fe = self.lemma_forms.get((e, p), {}).get(s)
                        if fe and not self.slot_clash(e, p, s, base):
                            lst.add(fe[0])
                lists.append(lst)
            if not lists:
                continue
            res = set.intersection(*lists)
            res.discard(k)
            if k in self.stop_forms():
                continue
            res -= self.stop_forms()
            res -= NOT_EQ
            if res:
                table[k] = sorted(res, key=lambda e: (-self.counts[e], e))[:MAX_EQ]
        return table

    def slot_clash(self, e, p, s, base):
        """A past form stands for past and participle alike unless the verb is irregular: map a regular verb's
        -ed only to verbs whose past and participle coincide (and the other way round)."""
        if p != "v" or s not in ("past", "pp"):
            return False
        fe, fb = self.lemma_forms.get((e, p), {}), self.lemma_forms.get((base, p), {})
        e_same = fe.get("past", [None])[0] == fe.get("pp", [None])[0]
        b_same = fb.get("past", [None])[0] == fb.get("pp", [None])[0]
        return e_same != b_same

    def stop_forms(self):
        """STOP words, their inflected forms, roman numerals (mix aside) and one- or two-letter words."""
        if not hasattr(self, "_stop"):
            stop = set(STOP.split())
            forms = set(stop)
            for f, bases in self.origin.items():
                if any(b in stop for b in bases):
                    forms.add(f)
            for w in self.counts:
                if (len(w) <= 2 and w not in SHORT_OK) or (len(w) <= 4 and ROMAN.match(w) and w != "mix"):
                    forms.add(w)
            self._stop = forms
        return self._stop

    def ambiguous_out(self):
        """Equivalent words that are also an inflected form of another lemma (found, left): never proposed."""
        if not hasattr(self, "_amb"):
            self._amb = set(f for f, bases in self.origin.items() if any(b != f for b in bases))
        return self._amb

    def spelling(self):
        pairs = []
        for item in SPELLING.replace("\n", " ").split(";"):
            t = item.split()
            if t:
                pairs.append((t[0], t[1]))
        out = collections.defaultdict(set)
        for a, b in pairs:
            if a == b:
                continue
            out[a].add(b)
            out[b].add(a)
            for p in ("n", "v"):
                fa, fb = self.forms(a, p, least=2), self.forms(b, p, least=2)
                for s in fa:
                    if s in fb and fa[s][0] != fb[s][0]:  # axe/ax: axes
                        out[fa[s][0]].add(fb[s][0])
                        out[fb[s][0]].add(fa[s][0])
        for k, v in out.items():
            v.discard(k)
        return {k: sorted(v, key=lambda e: (-self.counts.get(e, 0), e)) for k, v in out.items()}


def freq_class(c):
    return min(255, int(16 * math.log2(c + 1)))


def c_string_lines(words, width=110):
    lines, cur = [], ""
    for w in words:
        piece = w + "\\0"
        if len(cur) + len(piece) + 4 > width:
            lines.append('    "' + cur + '"')
            cur = ""
        cur += piece
    if cur:
        lines.append('    "' + cur + '"')
    return lines


def c_int_lines(vals, width=110):
    lines, cur = [], "   "
    for v in vals:
        piece = " %d," % v
        if len(cur) + len(piece) > width:
            lines.append(cur)
            cur = "   "
        cur += piece
    if cur.strip():
        lines.append(cur)
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wordnet", default="/usr/share/wordnet")
    ap.add_argument("--counts", default="build/thes_counts.tsv")
    ap.add_argument("--out", default="lib/lossy/thesaurus_data.c")
    ap.add_argument("--min-count", type=int, default=MIN_COUNT)
    ap.add_argument("--any-input", action="store_true", help="do not check the inputs' sha256")
    ap.add_argument("--dump", help="also write the tables as text to this file")
    a = ap.parse_args()

    files = ["index." + POS_FILE[p] for p in POS] + ["data." + POS_FILE[p] for p in POS]
    files += ["noun.exc", "verb.exc", "adj.exc", "cntlist.rev"]
    shas = {f: sha256_file(os.path.join(a.wordnet, f)) for f in files}
    counts, header = load_counts(a.counts)
    if not a.any_input:
        bad = [f for f in files if WORDNET_SHA256 and WORDNET_SHA256.get(f) != shas[f]]
        if bad or (COUNTS_SHA256 and (not header or header[1] != COUNTS_SHA256)):
            sys.exit("build.py: inputs differ from the recorded ones: %s (use --any-input)" % (bad or "counts"))
    wn = WordNet(a.wordnet)
    b = Builder(wn, counts, a.min_count)
    syn = b.build()
    sp = b.spelling()

    words = sorted(set(syn) | set(e for v in syn.values() for e in v) | set(sp) |
                   set(e for v in sp.values() for e in v))
    assert len(words) < 65536
    idx = {w: i for i, w in enumerate(words)}
    offs, pos = [], 0
    for w in words:
        assert 0 < len(w) <= 64  # THES_MAX_WORD
        offs.append(pos)
        pos += len(w) + 1
    str_bytes = pos
    syn_start, syn_list = [], []
    for w in words:
        syn_start.append(len(syn_list))
        syn_list.extend(idx[e] for e in syn.get(w, ()))
    syn_start.append(len(syn_list))
    sp_keys = sorted(sp)
    sp_key, sp_start, sp_list = [], [], []
    for k in sp_keys:
        sp_key.append(idx[k])
        sp_start.append(len(sp_list))
        sp_list.extend(idx[e] for e in sp[k])
    sp_start.append(len(sp_list))
    freq = [freq_class(counts.get(w, 0)) for w in words]
    nbytes = str_bytes + 4 * len(offs) + len(freq) + 4 * len(syn_start) + 2 * len(syn_list) + \
        2 * (len(sp_key) + len(sp_start) + len(sp_list))

    o = []
    o.append("/* thesaurus_data.c -- GENERATED by tools/thesaurus/build.py from WordNet 3.0; do not edit.")
    o.append("** WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. Used under the WordNet 3.0")
    o.append("** licence, whose full text is in lib/lossy/THESAURUS-LICENCE.")
    o.append("** Regenerate (from the repository root):")
    o.append("**   xz -dc ../shared/corpus/train_mix_v1.txt.xz | head -c 200000000 \\")
    o.append("**       | tools/thesaurus/count_words.py > build/thes_counts.tsv")
    o.append("**   tools/thesaurus/build.py --counts build/thes_counts.tsv --out lib/lossy/thesaurus_data.c")
    o.append("** Inputs: Debian wordnet-base 1:3.0-37, /usr/share/wordnet (sha256):")
    for f in files:
        o.append("**   %s  %s" % (shas[f], f))
    if header:
        o.append("** word counts: sha256 of the first %s bytes of train_mix_v1.txt:" % header[2])
        o.append("**   %s" % header[1])
    o.append("** min count %d, at most %d equivalents, dominant part of speech >= %.2f of the tags." %
             (a.min_count, MAX_EQ, DOMINANT))
    o.append("** %d words, %d synonym keys, %d synonym pairs, %d spelling keys, %d spelling pairs," %
             (len(words), len(syn), len(syn_list), len(sp_key), len(sp_list)))
    o.append("** %d bytes of data." % nbytes)
    o.append("*/")
    o.append('#include "lossy/thesaurus_data.h"')
    o.append("")
    o.append("const uint32_t thes_n_words = %d, thes_n_syn_keys = %d, thes_n_sp_keys = %d, thes_data_bytes = %d;"
             % (len(words), len(syn), len(sp_key), nbytes))
    o.append("")
    o.append("/* the words, sorted, each followed by a NUL */")
    o.append("const char thes_strings[%d] =" % str_bytes)
    o.extend(c_string_lines(words))
    o[-1] += ";"
    o.append("/* offset of each word in thes_strings */")
    o.append("const uint32_t thes_word_off[%d] = {" % len(offs))
    o.extend(c_int_lines(offs))
    o.append("};")
    o.append("/* frequency class of each word: 16 log2(count + 1) */")
    o.append("const uint8_t thes_word_freq[%d] = {" % len(freq))
    o.extend(c_int_lines(freq))
    o.append("};")
    o.append("/* synonyms of word i: thes_syn_list[thes_syn_start[i] .. thes_syn_start[i + 1]) (word indexes) */")
    o.append("const uint32_t thes_syn_start[%d] = {" % len(syn_start))
    o.extend(c_int_lines(syn_start))
    o.append("};")
    o.append("const uint16_t thes_syn_list[%d] = {" % max(1, len(syn_list)))
    o.extend(c_int_lines(syn_list or [0]))
    o.append("};")
    o.append("/* spelling variants: keys (word indexes, ascending), their ranges in thes_sp_list */")
    o.append("const uint16_t thes_sp_key[%d] = {" % len(sp_key))
    o.extend(c_int_lines(sp_key))
    o.append("};")
    o.append("const uint16_t thes_sp_start[%d] = {" % len(sp_start))
    o.extend(c_int_lines(sp_start))
    o.append("};")
    o.append("const uint16_t thes_sp_list[%d] = {" % len(sp_list))
    o.extend(c_int_lines(sp_list))
    o.append("};")
    o.append("/* contractions: long form, short form */")
    o.append("const char *const thes_contractions[%d][2] = {" % len(CONTRACTIONS))
    for lf, sf in CONTRACTIONS:
        o.append('    {"%s", "%s"},' % (lf, sf))
    o.append("};")
    o.append("const uint32_t thes_n_contractions = %d;" % len(CONTRACTIONS))
    with open(a.out, "w") as f:
        f.write("\n".join(o) + "\n")
    if a.dump:
        with open(a.dump, "w") as f:
            for k in sorted(syn):
                f.write("%s\t%s\n" % (k, " ".join(syn[k])))
            for k in sp_keys:
                f.write("SP %s\t%s\n" % (k, " ".join(sp[k])))
    sys.stderr.write("%d words, %d synonym keys, %d pairs, %d spelling keys, %d pairs, %d bytes\n" %
                     (len(words), len(syn), len(syn_list), len(sp_key), len(sp_list), nbytes))


# sha256 of the 200,000,000 bytes counted (count_words.py header line)
COUNTS_SHA256 = "169ad2374d4c43fe6fa97141e512dcbb45d418d97fedde95a1af1459af62b84d"

if __name__ == "__main__":
    main()
