#!/bin/sh
# tests/cli/lossy.sh -- the lossy mode from the command line (docs/lossy.md): --lossy at each level writes an archive
# that -l shows as lossy with its certificate (-lv: JSON), that decodes with no option to the reconstruction, and that
# --verify audits against the original (and refuses another original); --diff shows the edits (text and HTML);
# text that is not prose is coded losslessly with a warning; a damaged certificate is an error with no output file;
# bad --lossy values are usage errors.  The rewriting uses the small test model (fast; its choices are its own).
. "$(dirname "$0")/lib.sh"

M="--model $MODEL"
# prose with typography to fold, blanks to collapse, names, numbers and a code line
cat > prose.txt << 'TXT'
Chapter 1

It was a bright cold day in April, and the clocks were striking thirteen.  Winston Smith, his chin nuzzled
into his breast in an effort to escape the vile wind, slipped quickly through the glass doors of Victory
Mansions, though not quickly enough to prevent a swirl of gritty dust from entering along with him.  The
hallway smelt of boiled cabbage and old rag mats.  At one end of it a coloured poster, too large for indoor
display, had been tacked to the wall.  It depicted simply an enormous face, more than a metre wide: the face
of a man of about 45, with a heavy black moustache and ruggedly handsome features.  Winston made for the
stairs.  It was no use trying the lift.  Even at the best of times it was seldom working, and at present the
electric current was cut off during daylight hours.  It was part of the economy drive in preparation for
Hate Week.  The flat was seven flights up, and Winston, who was 39 and had a varicose ulcer above his right
ankle, went slowly, resting several times on the way.  On each landing, opposite the lift-shaft, the poster
with the enormous face gazed from the wall.

    int main(void) { return 0; }
TXT

for lv in 1 2 3; do
    x $M -q --lossy=$lv -o p$lv.llmz prose.txt
    check "--lossy=$lv exits 0" [ "$rc" -eq 0 ]
    check "--lossy=$lv writes an archive" [ -s p$lv.llmz ]
    x $M -l p$lv.llmz
    check "-l shows level $lv" grep -q "lossy: level $lv" "$W/stdout"
    check "-l: no invented protected item at level $lv" grep -q "invented 0;" "$W/stdout"
    x $M -lv p$lv.llmz
    check "-lv: the certificate as JSON (level $lv)" grep -q "{\"lossy\": {\"level\": $lv," "$W/stdout"
    check "-lv: mode 1" grep -q "mode 1," "$W/stdout"
    cv=1
    [ $lv -eq 2 ] && cv=3 # level 2: deletions (certificate version 2), paragraphs filled again (3)
    check "-lv: certificate version $cv (level $lv)" grep -q "\"certificate_version\": $cv}" "$W/stdout"
    x $M -dc p$lv.llmz
    check "-d decodes level $lv with no option" [ "$rc" -eq 0 ]
    cp "$W/stdout" p$lv.out
    x $M --verify prose.txt p$lv.llmz
    check "--verify holds (level $lv)" [ "$rc" -eq 0 ]
    check "--verify says so" grep -q "verified" "$W/stdout"
done
# level 1 keeps the words; levels 1-2 keep the code line; level 3 is shorter
check "level 1: the words stay" [ "$(tr -s ' \n' '\n\n' < p1.out)" = "$(tr -s ' \n' '\n\n' < prose.txt)" ]
check "level 2 keeps the code line" grep -q "int main(void) { return 0; }" p2.out
check "level 3 is shorter" [ "$(wc -c < p3.out)" -lt "$(wc -c < prose.txt)" ]
check "the names stay (level 2)" grep -q "Winston Smith" p2.out
# another original does not verify
sed 's/thirteen/fourteen/' prose.txt > other.txt
x $M --verify other.txt p2.llmz
check "--verify refuses another original" [ "$rc" -eq 1 ]
check "--verify says why" grep -q "does not hold" "$W/stderr"
# --diff: the edits, nothing written
x $M --lossy=3 --diff prose.txt
check "--diff exits 0" [ "$rc" -eq 0 ]
check "--diff marks a deletion" grep -q '\[-' "$W/stdout"
check "--diff writes no archive" [ ! -e prose.txt.llmz ]
x $M --lossy=3 --diff=html prose.txt
check "--diff=html is a page" grep -q "<del>" "$W/stdout"
check "--diff=html names the level" grep -q "level 3 (seed)" "$W/stdout"
# not prose: coded losslessly, with a warning
printf '{"name": "llmz", "version": "0.1.0", "files": [1, 2, 3], "ok": true}\n' > data.json
x $M --lossy=2 -o data.json.llmz data.json
check "JSON: exit 0" [ "$rc" -eq 0 ]
check "JSON: a warning" grep -q "not prose" "$W/stderr"
x $M -dc data.json.llmz
check "JSON: decoded exactly" cmp -s "$W/stdout" data.json
x $M -l data.json.llmz
check "JSON: no certificate" sh -c '! grep -q "lossy:" "$1"' sh "$W/stdout"
# a damaged certificate: the header CRC catches it; no output file is left
cp p2.llmz bad.llmz
printf '\377' | dd of=bad.llmz bs=1 seek=30 conv=notrunc 2> /dev/null
x $M -d -o bad.out bad.llmz
check "damaged certificate: exit 1" [ "$rc" -eq 1 ]
check "damaged certificate: a message" grep -q "bad.llmz" "$W/stderr"
check "damaged certificate: no output" [ ! -e bad.out ]
# usage errors
for spec in 0 4 x 2:101 2:-1 2: seed:abc; do
    x $M --lossy=$spec prose.txt
    check "--lossy=$spec is a usage error" [ "$rc" -eq 2 ]
done
x $M -d --lossy=2 p2.llmz
check "--lossy with -d is a usage error" [ "$rc" -eq 2 ]
x $M --diff prose.txt
check "--diff without --lossy is a usage error" [ "$rc" -eq 2 ]
x $M --verify prose.txt
check "--verify with one file is a usage error" [ "$rc" -eq 2 ]
finish
