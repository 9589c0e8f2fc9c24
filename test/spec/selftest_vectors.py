#!/usr/bin/env python3
"""Checks verify_kura.py against the test vectors of docs/FORMATS.md (Appendix A, §2.1).

The vectors are read from the document itself (its code blocks and tables), so
this is a check of the verifier against the specification text. Exit 0 if all
pass. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify_kura as vk  # noqa: E402

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'docs', 'FORMATS.md')

failures: list[str] = []


def check(cond: bool, what: str) -> None:
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        failures.append(what)


def ed25519_sign(seed: bytes, msg: bytes) -> bytes:
    """RFC 8032 §5.1.6 (only to rebuild the A.7 vectors, whose bytes the spec does not list)."""
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], 'little')
    a &= (1 << 254) - 8
    a |= 1 << 254
    pub = vk.point_encode(vk._mul(a, vk.BASE))
    r = int.from_bytes(hashlib.sha512(h[32:] + msg).digest(), 'little') % vk.L_ORDER
    big_r = vk.point_encode(vk._mul(r, vk.BASE))
    k = int.from_bytes(hashlib.sha512(big_r + pub + msg).digest(), 'little') % vk.L_ORDER
    return big_r + int.to_bytes((r + k * a) % vk.L_ORDER, 32, 'little')


def main() -> int:
    doc = open(DOC, encoding='utf-8').read()
    app_a = doc[doc.index('## Appendix A') : doc.index('## Appendix B')]
    blocks = re.findall(r'```\n(.*?)```', app_a, re.S)
    definition_bytes = blocks[0].rstrip('\n').encode()
    entry0_msg = blocks[1].rstrip('\n').encode()
    entry0 = blocks[2].rstrip('\n').encode()
    entry2 = blocks[3].rstrip('\n').encode()
    entry3 = blocks[4].rstrip('\n').encode()
    receipt = blocks[5].encode()  # "The file ends with the newline after the last signature line."
    anomaly7 = blocks[6].rstrip('\n').encode()
    s54 = doc[doc.index('### 5.4 Example') : doc.index('## 6. The election')]
    b54 = re.findall(r'```\n(.*?)```', s54, re.S)
    entry1_msg = b54[0].rstrip('\n').encode()
    entry1 = b54[1].rstrip('\n').encode()
    s43 = doc[doc.index('### 4.3 Signed notes') : doc.index('### 4.4 Cosignatures')]
    note = re.findall(r'```\n(.*?)```', s43, re.S)[-1].encode()

    # §2.1 canonical JSON table
    canon = [
        (b'{"a":1}', True), (b'{"b":1,"a":2}', False), (b'{"a":1.0}', False), (b'{"a":1e2}', False),
        (b'{"a":-0}', False), (b'{"a":9007199254740992}', False), (b'{"a":"\\u00e9"}', False),
        ('{"a":"é"}'.encode(), True), (b'{"a":"\\u001f"}', True), (b'{"a":"\\/"}', False),
        (b'{"a":1,"a":1}', False), (b' {"a":1}', False), (b'{"10":1,"9":2}', True),
        (b'{"9":2,"10":1}', False), (b'\xef\xbb\xbf{"a":1}', False), (b'{"a":"\\ud800"}', False),
        (b'{"\\udc00":1}', False), (b'{"a":"\\ud83d\\ude00"}', False), ('{"a":"😀"}'.encode(), True),
    ]  # fmt: skip
    for text, accepted in canon:
        try:
            vk.parse_canonical(text)
            got = True
        except vk.Refused:
            got = False
        check(got == accepted, f'canonical {text!r} {"accepted" if accepted else "refused"}')

    # A.1 keys
    log_vkey = 'kura.example/example-2026+328855f7+AWf2zG0KjQpEP5M3dTVpnJ7Kha0v5z2n0RQwjrzX2ArT'
    com_vkey = 'kura.example-commission+32babf28+AUz0QYzXu7hcSmD2YZBBtvzNltKDECDdu8NRGNBumFw/'
    lk = vk.parse_vkey(log_vkey)
    ck = vk.parse_vkey(com_vkey)
    kid_input = lk.name.encode() + b'\n\x01' + lk.pub
    check(
        kid_input.hex()
        == '6b7572612e6578616d706c652f6578616d706c652d323032360a0167f6cc6d0a8d0a443f93377535699c9eca85ad2fe73da7d114308ebcd7d80ad3',
        'A.1 key ID input',
    )
    cos = vk.VKey(lk.name, vk.key_id(lk.name, 0x04, lk.pub), 0x04, lk.pub)
    check(cos.text() == 'kura.example/example-2026+71e2ab0f+BGf2zG0KjQpEP5M3dTVpnJ7Kha0v5z2n0RQwjrzX2ArT', 'A.1 0x04 vkey')
    try:
        vk.parse_vkey(cos.text(), 0x01)
        check(False, '0x04 vkey refused as a 0x01 key')
    except vk.Refused:
        check(True, '0x04 vkey refused as a 0x01 key')
    log_seed = hashlib.sha256(b'kura FORMATS.md test vector: log key').digest()
    check(vk.ed25519_public_key(log_seed) == lk.pub, 'log seed -> log public key')

    # §3.6 demo key
    seed = hashlib.sha256(b'kura demo device key\nexample-2026\ndev-1').digest()
    check(seed.hex() == '629569e1fa493e0b3dcaef2884607efa71cd2ee78b67ee3b4e975d87654ba572', '§3.6 demo seed')
    check(vk.b64(vk.ed25519_public_key(seed)) == 'fZMD//9ZNn07hdKB2iYra1WvmVTgY/34RAY2hb3O5lY=', '§3.6 demo public key')

    # A.2 definition, A.3 entry 0
    check(len(definition_bytes) == 2012, 'A.2 definition is 2,012 bytes')
    check(
        hashlib.sha256(definition_bytes).hexdigest() == '498d5c545e911be4bdca5ed1c14231834f71a7d0593e178d764b64676b121127',
        'A.2 definition SHA-256',
    )
    d = vk.parse_canonical(definition_bytes)
    check(vk.check_definition(d) == [], 'A.2 definition is consistent')
    e0 = vk.decode_entry(entry0)
    check(len(entry0) == 546, 'entry 0 is 546 bytes')
    check(vk.signing_message(e0) == entry0_msg, 'entry 0 signing message')
    check(vk.entry_signature_ok(e0, ck.pub), 'entry 0 commission signature')
    check(e0['definitionSha256'] == hashlib.sha256(definition_bytes).hexdigest(), 'entry 0 commits to A.2')

    # §5.4 / A.3 entries
    e1 = vk.decode_entry(entry1)
    check(len(entry1) == 386 and vk.signing_message(e1) == entry1_msg, 'entry 1 bytes and signing message')
    el = vk.Election(d)
    dev1 = vk.b64decode_strict(el.devices['dev-1']['publicKey'])
    check(vk.entry_signature_ok(e1, dev1), 'entry 1 device signature')
    dev1_seed_sig = ed25519_sign(seed, entry1_msg)
    check(vk.b64(dev1_seed_sig) == e1['sig'], 'entry 1 sig reproduced with the demo seed')
    entries = [entry0, entry1, entry2, entry3]
    leaves = [vk.leaf_hash(e) for e in entries]
    want_leaves = [
        'd090edaecd342c7bab8828a42a8657dc120fe1bed23d074491bf233a599f341f',
        '27b7f0137d60f6ccc7bdce645a78cbd8897b1a7ba18ddab71db83efc1a2843bb',
        '8e9b93fdadeac58cc763737942c10f9223c69b503eb9b6e594ef2b836aaa3e7f',
        'e1d8d034ffde539c345e02fa2172a023a674998f58ee3abf7ce77645808dca4e',
    ]
    check([x.hex() for x in leaves] == want_leaves, 'A.4 leaf hashes')
    roots = [
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'd090edaecd342c7bab8828a42a8657dc120fe1bed23d074491bf233a599f341f',
        '46619e863e983e577c04fd9596f174ad78db5e45041680f53008c0a1e54618aa',
        '80c7f0c71e30217ab8efca0b6935d2f43ed051cc2ab5dbaa5350c852bd8a881a',
        '143d7562636599bd875dc4faf1321e57b20dc59af17457ee6490013345e88b52',
    ]
    check([vk.mth(leaves[:n]).hex() for n in range(5)] == roots, 'A.4 roots of sizes 0..4')

    # §4.3 checkpoint
    opened = vk.open_note(note, [lk])
    check(len(opened.verified) == 1 and opened.unknown == 1, 'checkpoint: 0x01 verifies, 0x04 line unknown')
    opened2 = vk.open_note(note, [lk, cos])
    ts = int.from_bytes(opened2.verified[cos][:8], 'big') if cos in opened2.verified else None
    check(ts == 1767294000, 'checkpoint: derived 0x04 cosignature verifies, time 1767294000')
    origin, size, root = vk.parse_checkpoint_text(opened.text)
    check((origin, size, root.hex()) == ('kura.example/example-2026', 4, roots[4]), 'checkpoint text')
    bad = note.replace(b'\n4\n', b'\n5\n')
    try:
        vk.open_note(bad, [lk])
        check(False, 'altered checkpoint refused')
    except vk.Refused:
        check(True, 'altered checkpoint refused')

    # A.5 proofs and tiles
    fbbe = 'fbbe3f0d832aa914b2531dace65b620d81b1a6fa2bd2805311890e739541468a'
    check(vk.node_hash(leaves[2], leaves[3]).hex() == fbbe, 'A.5 H(leaf 2, leaf 3)')
    check(vk.verify_inclusion(leaves[1], 1, 4, [leaves[0], bytes.fromhex(fbbe)], root), 'A.5 inclusion of entry 1')
    check(
        vk.verify_consistency(3, 4, [leaves[2], leaves[3], bytes.fromhex(roots[2])], bytes.fromhex(roots[3]), root),
        'A.5 consistency 3 -> 4',
    )
    check(vk.verify_consistency(2, 4, [bytes.fromhex(fbbe)], bytes.fromhex(roots[2]), root), 'A.5 consistency 2 -> 4')
    bundle = b''.join(len(e).to_bytes(2, 'big') + e for e in entries)
    check(
        len(bundle) == 1752
        and hashlib.sha256(bundle).hexdigest() == '55e93da0b8b00ac49566dc7d6bcb1ae4b1b607134276dde9563c8f6ac673f620',
        'A.5 entry bundle',
    )
    check(vk.parse_bundle(bundle, 4) == entries, 'A.5 bundle parses')
    check(vk.tile_index_path(1234067) == 'x001/x234/067' and vk.tile_index_path(0) == '000', '§4.5 tile index paths')
    check(vk.tile_path(0, 0, 4) == 'tile/0/000.p/4' and vk.tile_path('entries', 0, 4) == 'tile/entries/000.p/4', 'A.5 paths')

    # A.6 receipt
    head, _, rnote = receipt.partition(b'\n\n')
    lines = head.decode().split('\n')
    extra = vk.b64decode_strict(lines[1][len('extra ') :])
    idx = vk.parse_decimal(lines[2][len('index ') :])
    proof = [vk.b64decode_strict(x) for x in lines[3:]]
    rop = vk.open_note(rnote, [lk])
    _, rsize, rroot = vk.parse_checkpoint_text(rop.text)
    check(
        lines[0] == 'c2sp.org/tlog-proof@v1' and extra == entry3 and idx == 3
        and vk.verify_inclusion(vk.leaf_hash(extra), idx, rsize, proof, rroot),
        'A.6 receipt verifies',
    )  # fmt: skip

    # §8.4 fold of vector A
    fold = vk.Fold(el)
    for i, e in enumerate(entries):
        fold.apply(i, e)
    check(fold.anomalies == [], 'vector A folds without anomalies')
    s84 = doc[doc.index('### 8.4 Vectors') : doc.index('## 9. Receipts')]
    jb = [json.loads(x) for x in re.findall(r'```json\n(.*?)```', s84, re.S)]
    check(fold.tallies['president'][''] == jb[0], '§8.4 national presidential tally')
    check(fold.tallies['member-of-county-assembly'][''] == jb[1], '§8.4 national MCA tally (per party)')
    check(fold.tallies['member-of-county-assembly']['0010010001'] == jb[2], '§8.4 MCA tally of ward 0010010001')
    check('0010010002' not in fold.tallies['member-of-county-assembly'], 'no MCA tally for ward 0010010002')
    check(fold.results['president']['001001000200101']['flags'] == ['over-registered', 'sum-mismatch'], '§7.2 flags of entry 3')

    # A.7 anomaly vector
    def signed(seed_dev: str, **u) -> bytes:
        e = {'type': 'result', 'v': 1, 'election': 'example-2026', 'device': seed_dev, **u}
        sd = hashlib.sha256(f'kura demo device key\nexample-2026\n{seed_dev}'.encode()).digest()
        e['sig'] = vk.b64(ed25519_sign(sd, vk.signing_message(e)))
        return vk.canonical_bytes(e)

    def form(s: str) -> str:
        return hashlib.sha256(s.encode()).hexdigest()

    dup = signed('dev-1', contest='president', station='001001000100101', votes={'alpha': 201, 'beta': 150},
                 rejected=5, totalValid=351, form=form('example form 1'), deviceTime='2026-01-01T17:30:00Z')  # fmt: skip
    e3 = vk.decode_entry(entry3)
    badsig = vk.canonical_bytes({**e3, 'station': '001001000100102', 'device': 'dev-2'})
    unk = signed('dev-2', contest='president', station='001001000100102', votes={'alpha': 1, 'beta': 2, 'gamma': 3},
                 rejected=0, totalValid=6, form=form('example form 4'), deviceTime='2026-01-01T18:00:00Z')  # fmt: skip
    unk2 = signed('dev-2', contest='president', station='001001000100102', votes={'9': 4, '10': 5, 'alpha': 1, 'beta': 2},
                  rejected=0, totalValid=12, form=form('example form 5'), deviceTime='2026-01-01T18:05:00Z')  # fmt: skip
    check(unk2 == anomaly7 and len(unk2) == 394, 'A.7 entry 7 reproduced byte for byte')
    bad_log = [entry0, entry1, dup, badsig, b'{"type":"result"}', entry0, unk, unk2]
    want = {
        2: '97735b7b632a4163678d09877090bb1893be6cd61f14be1898236b31c370b822',
        3: '3a20be39dd81369a6b06f1c26c76364e7b728fd6a526b2fee6c138579a30dc2f',
        4: 'f064153d6913ecdd354eeaf7de919d0f7a81e9cf82ab12c757884356e6596c31',
        6: '7164bfa26cae19d9f91f70cfaaafae8b0eff86a59bce2877e53d35d113eb23e2',
        7: '5bbaa4c58eea7551cee4dc3d1480916958e7e50b167733b56ee6c022c9fbd884',
    }
    check(all(vk.leaf_hash(bad_log[i]).hex() == h for i, h in want.items()), 'A.7 leaf hashes')
    f2 = vk.Fold(el)
    for i, e in enumerate(bad_log):
        f2.apply(i, e)
    kinds = [(i, k, dt.split(' ')[0] if k == 'rule-violation' else '') for i, k, dt in f2.anomalies]
    check(
        kinds == [(2, 'duplicate-result', ''), (3, 'rule-violation', 'BAD_SIGNATURE'), (4, 'undecodable', ''),
                  (5, 'misplaced-election-entry', ''), (6, 'rule-violation', 'UNKNOWN_CANDIDATE'),
                  (7, 'rule-violation', 'UNKNOWN_CANDIDATE')],
        f'A.7 anomaly kinds {kinds}',
    )  # fmt: skip
    check("'gamma'" in f2.anomalies[4][2] and "'10'" in f2.anomalies[5][2], 'A.7 the named unknown candidates')
    t = f2.tallies['president']['']
    check(
        (t['votes'], t['totalValid'], t['rejected'], t['stationsReported'], t['registeredReported'], t['flagged'], t['lastEntry'])
        == ({'alpha': 200, 'beta': 150}, 350, 5, 1, 500, {}, 1),
        'A.7 national tally afterwards',
    )

    # A.8 refused definitions
    def variant(**kw):
        return json.loads(json.dumps({**d, **kw}))

    dv1 = d['devices'][0]
    variants = {
        'shared key': variant(devices=[dv1, {**dv1, 'id': 'dev-9'}]),
        'trailing bits': variant(devices=[{**dv1, 'publicKey': dv1['publicKey'][:42] + 'Z='}]),
        'gamma ray': variant(
            contests=[{**d['contests'][0], 'candidates': [{'id': 'gamma ray', 'name': 'G', 'party': 'P', 'unit': None}]}, d['contests'][1]]
        ),
        'logKey 0x04': variant(logKey=cos.text()),
        'origin tab': variant(logOrigin='kura.example/\t'),
        'scope city': variant(contests=[{**d['contests'][0], 'scope': 'city'}]),
        'registeredVoters string': variant(stations=[{**d['stations'][0], 'registeredVoters': '500'}]),
    }
    for name, v in variants.items():
        check(vk.check_definition(v) != [], f'A.8 refused: {name}')

    # Ed25519 strictness
    sig = vk.b64decode_strict(e1['sig'])
    s_plus_l = int.from_bytes(sig[32:], 'little') + vk.L_ORDER
    check(not vk.ed25519_verify(dev1, entry1_msg, sig[:32] + s_plus_l.to_bytes(32, 'little')), 'S + L refused')
    check(vk.small_order_or_invalid(bytes(32)) is not None, 'all-zero key flagged')
    check(vk.small_order_or_invalid(bytes([1]) + bytes(31)) == 'a small-order point', 'identity flagged')
    check(vk.small_order_or_invalid(dev1) is None, 'dev-1 key is a good point')

    print(f'\n{len(failures)} failure(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
