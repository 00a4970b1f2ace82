#!/usr/bin/python3
"""peak.py FILE.gguf -- in place: output_norm.weight x12, every attn_q/attn_k.weight x4 (F32 tensors only).

mktiny's random weights predict almost uniformly (12 bits per token of a 4096 vocabulary), which would hide an
error in the rope or the biases; scaled so, predictions are peaked (about 30 bits per token: confidently wrong)
and attention depends strongly on position. Debian's python3 only (no numpy). Used by variants.sh."""
import sys, struct, array
b = bytearray(open(sys.argv[1],'rb').read())
o = 4
ver, nt, nkv = struct.unpack_from('<IQQ', b, o); o += 20
def rstr():
    global o
    n, = struct.unpack_from('<Q', b, o); o += 8
    s = bytes(b[o:o+n]); o += n; return s
SZ = {0:1,1:1,2:2,3:2,4:4,5:4,6:4,7:1,10:8,11:8,12:8}
align = 32
def skip(t):
    global o
    if t == 8: return rstr()
    if t == 9:
        et, n = struct.unpack_from('<IQ', b, o); o += 12
        for _ in range(n): skip(et)
        return None
    v = bytes(b[o:o+SZ[t]]); o += SZ[t]; return v
for _ in range(nkv):
    k = rstr(); t, = struct.unpack_from('<I', b, o); o += 4
    v = skip(t)
    if k == b'general.alignment': align = struct.unpack('<I', v)[0]
ts = []
for _ in range(nt):
    name = rstr().decode(); nd, = struct.unpack_from('<I', b, o); o += 4
    dims = struct.unpack_from('<%dQ' % nd, b, o); o += 8*nd
    typ, off = struct.unpack_from('<IQ', b, o); o += 12
    ts.append((name, dims, typ, off))
base = (o + align - 1) // align * align
for name, dims, typ, off in ts:
    f = 12 if name == 'output_norm.weight' else 4 if name.endswith(('attn_q.weight','attn_k.weight')) else 0
    if not f: continue
    assert typ == 0, name
    n = 1
    for d in dims: n *= d
    a = array.array('f'); a.frombytes(bytes(b[base+off:base+off+4*n]))
    for i in range(n): a[i] *= f
    b[base+off:base+off+4*n] = a.tobytes()
open(sys.argv[1],'wb').write(b); print("scaled", sys.argv[1])
