#!/usr/bin/env python3
"""Independent verifier of a kura log, written from docs/FORMATS.md alone.

Usage:
    python3 verify_kura.py <server-url> --log-key <vkey> [--commission-key <vkey>]

Standard library only (Python 3.11). Ed25519 is implemented below from
RFC 8032 (strict: S < L, canonical point encodings, cofactorless equation).

Exit status: 0 everything matches, 1 findings (each printed), 2 unusable input.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

MAX_SAFE = 2**53 - 1


class Unusable(Exception):
    """The verifier cannot run (bad arguments, server unreachable)."""


class Refused(Exception):
    """A document or structure is refused by the spec's rules."""


# --------------------------------------------------------------------------
# Ed25519 (RFC 8032 §5.1), verification and public-key derivation only.
# --------------------------------------------------------------------------

P = 2**255 - 19
L_ORDER = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _inv(x: int) -> int:
    return pow(x, P - 2, P)


# Points in extended coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z, xy = T/Z.
def _add(p1, p2):
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _double(p1):
    return _add(p1, p1)


IDENTITY = (0, 1, 1, 0)


def _mul(s: int, pt):
    q = IDENTITY
    while s > 0:
        if s & 1:
            q = _add(q, pt)
        pt = _double(pt)
        s >>= 1
    return q


def _equal(p1, p2) -> bool:
    x1, y1, z1, _ = p1
    x2, y2, z2, _ = p2
    return (x1 * z2 - x2 * z1) % P == 0 and (y1 * z2 - y2 * z1) % P == 0


def _recover_x(y: int, sign: int):
    x2 = (y * y - 1) * _inv(D * y * y + 1) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


_GY = 4 * _inv(5) % P
_GX = _recover_x(_GY, 0)
BASE = (_GX, _GY, 1, _GX * _GY % P)


def point_decode(b: bytes):
    """Strict RFC 8032 §5.1.3 decoding: None if not a canonical encoding of a point."""
    if len(b) != 32:
        return None
    y = int.from_bytes(b, 'little')
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= P:
        return None  # non-canonical y
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def point_encode(pt) -> bytes:
    x, y, z, _ = pt
    zi = _inv(z)
    x, y = x * zi % P, y * zi % P
    return int.to_bytes(y | ((x & 1) << 255), 32, 'little')


def ed25519_public_key(seed: bytes) -> bytes:
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], 'little')
    a &= (1 << 254) - 8
    a |= 1 << 254
    return point_encode(_mul(a, BASE))


def ed25519_verify(public: bytes, msg: bytes, sig: bytes) -> bool:
    """RFC 8032 §5.1.7 with S < L, strict point decoding, cofactorless equation."""
    if len(public) != 32 or len(sig) != 64:
        return False
    a_pt = point_decode(public)
    if a_pt is None:
        return False
    r_pt = point_decode(sig[:32])
    if r_pt is None:
        return False
    s = int.from_bytes(sig[32:], 'little')
    if s >= L_ORDER:
        return False
    k = int.from_bytes(hashlib.sha512(sig[:32] + public + msg).digest(), 'little') % L_ORDER
    return _equal(_mul(s, BASE), _add(r_pt, _mul(k, a_pt)))


def small_order_or_invalid(public: bytes) -> str | None:
    """A description if the key is not a usable point (does not decode strictly, or small order)."""
    pt = point_decode(public)
    if pt is None:
        # Also catch non-canonical encodings of small-order points: y >= p, or x = 0 with the sign bit set.
        y = (int.from_bytes(public, 'little') & ((1 << 255) - 1)) % P
        x = _recover_x(y, 0)
        if x is not None and _equal(_double(_double(_double((x, y, 1, x * y % P)))), IDENTITY):
            return 'a non-canonical encoding of a small-order point'
        return 'not a canonical encoding of a curve point'
    if _equal(_double(_double(_double(pt))), IDENTITY):
        return 'a small-order point'
    return None


# --------------------------------------------------------------------------
# Encodings (§2)
# --------------------------------------------------------------------------

_B64_RE = re.compile(r'[A-Za-z0-9+/]*={0,2}', re.ASCII)


def b64decode_strict(s: str) -> bytes:
    """§2.2: standard alphabet, padding, zero trailing bits; exactly one encoding."""
    if len(s) % 4 != 0 or not _B64_RE.fullmatch(s):
        raise Refused('not strict base64')
    try:
        out = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError) as e:
        raise Refused(f'not strict base64: {e}') from None
    if base64.b64encode(out).decode('ascii') != s:
        raise Refused('not canonical base64 (trailing bits)')
    return out


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode('ascii')


_HEX64_RE = re.compile(r'[0-9a-f]{64}', re.ASCII)
_IDENT_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9._:#/-]{0,127}', re.ASCII)
_TIME_RE = re.compile(r'[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z', re.ASCII)
_DECIMAL_RE = re.compile(r'0|[1-9][0-9]*', re.ASCII)
_SIG_RE = re.compile(r'[A-Za-z0-9+/]{86}==', re.ASCII)


def is_identifier(v) -> bool:
    return isinstance(v, str) and _IDENT_RE.fullmatch(v) is not None


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_count(v) -> bool:
    return is_int(v) and 0 <= v <= 1_000_000_000


def parse_decimal(s: str) -> int:
    """§2.4."""
    if not _DECIMAL_RE.fullmatch(s):
        raise Refused(f'malformed decimal {s!r}')
    n = int(s)
    if n > MAX_SAFE:
        raise Refused(f'decimal {s} above 2^53 - 1')
    return n


# ---- canonical JSON (§2.1) ----


def _utf16_key(s: str) -> bytes:
    return s.encode('utf-16-be', 'surrogatepass')


def _canon_str(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == '\\':
            out.append('\\\\')
        elif ch == '\b':
            out.append('\\b')
        elif ch == '\t':
            out.append('\\t')
        elif ch == '\n':
            out.append('\\n')
        elif ch == '\f':
            out.append('\\f')
        elif ch == '\r':
            out.append('\\r')
        elif o < 0x20:
            out.append(f'\\u{o:04x}')
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out)


def canonical_string(v) -> str:
    if v is None:
        return 'null'
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if is_int(v):
        if abs(v) > MAX_SAFE:
            raise Refused('integer outside the safe range')
        return str(v)
    if isinstance(v, str):
        return _canon_str(v)
    if isinstance(v, list):
        return '[' + ','.join(canonical_string(x) for x in v) + ']'
    if isinstance(v, dict):
        keys = sorted(v.keys(), key=_utf16_key)
        return '{' + ','.join(_canon_str(k) + ':' + canonical_string(v[k]) for k in keys) + '}'
    raise Refused(f'value of type {type(v).__name__} is not allowed')


def canonical_bytes(v) -> bytes:
    return canonical_string(v).encode('utf-8')


def _no_float(s):
    raise Refused(f'number {s} is not an integer')


def _no_const(s):
    raise Refused(f'{s} is not JSON')


def _int(s):
    n = int(s)
    if abs(n) > MAX_SAFE:
        raise Refused(f'{s} is not a safe integer')
    return n


def _pairs(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise Refused(f'duplicate key {k!r}')
        d[k] = v
    return d


def _has_lone_surrogate(v) -> bool:
    if isinstance(v, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in v)
    if isinstance(v, list):
        return any(_has_lone_surrogate(x) for x in v)
    if isinstance(v, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(x) for k, x in v.items())
    return False


def parse_canonical(data: bytes):
    """§2.1 parsing rule; raises Refused."""
    try:
        text = data.decode('utf-8')  # strict; a BOM stays U+FEFF
    except UnicodeDecodeError as e:
        raise Refused(f'invalid UTF-8: {e}') from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_float=_no_float,
            parse_int=_int,
            parse_constant=_no_const,
        )
    except Refused:
        raise
    except (ValueError, RecursionError) as e:
        raise Refused(f'not JSON: {e}') from None
    # Python joins an escaped surrogate pair into one code point, but keeps a lone one.
    if _has_lone_surrogate(value):
        raise Refused('unpaired surrogate')
    if canonical_string(value) != text:
        raise Refused('not the canonical encoding')
    return value


# ---- signed-note verifier keys (§3.2) ----

_GO_SPACE = set(
    [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
    + list(range(0x2000, 0x200B))
)


def is_key_name(name: str) -> bool:
    if name == '' or '+' in name:
        return False
    for c in name:
        o = ord(c)
        if o in _GO_SPACE or 0xD800 <= o <= 0xDFFF:
            return False
    return True


def key_id(name: str, typ: int, pub: bytes) -> int:
    return int.from_bytes(hashlib.sha256(name.encode('utf-8') + b'\n' + bytes([typ]) + pub).digest()[:4], 'big')


class VKey:
    def __init__(self, name: str, kid: int, typ: int, pub: bytes):
        self.name, self.kid, self.typ, self.pub = name, kid, typ, pub

    def text(self) -> str:
        return f'{self.name}+{self.kid:08x}+{b64(bytes([self.typ]) + self.pub)}'


def parse_vkey(s: str, want_type: int = 0x01) -> VKey:
    parts = s.split('+', 2)
    if len(parts) != 3:
        raise Refused('vkey: expected name+keyid+key')
    name, hexid, key64 = parts
    if not is_key_name(name):
        raise Refused('vkey: invalid name')
    if not re.fullmatch(r'[0-9a-fA-F]{8}', hexid, re.ASCII):
        raise Refused('vkey: key ID is not 8 hex digits')
    raw = b64decode_strict(key64)
    if len(raw) != 33:
        raise Refused('vkey: key is not a type byte and 32 bytes')
    typ, pub = raw[0], raw[1:]
    if typ != want_type:
        raise Refused(f'vkey: type 0x{typ:02x}, expected 0x{want_type:02x}')
    kid = int(hexid, 16)
    if key_id(name, typ, pub) != kid:
        raise Refused('vkey: key ID does not match')
    return VKey(name, kid, typ, pub)


# --------------------------------------------------------------------------
# Signed notes and checkpoints (§4.2–4.4)
# --------------------------------------------------------------------------


class OpenedNote:
    def __init__(self, text: str, verified: dict, unknown: int):
        self.text = text
        self.verified = verified  # VKey -> signature bytes (after the key ID)
        self.unknown = unknown


def open_note(data: bytes, known: list[VKey]) -> OpenedNote:
    if len(data) > 1 << 20:
        raise Refused('note over 1 MiB')
    try:
        msg = data.decode('utf-8')
    except UnicodeDecodeError:
        raise Refused('note is not valid UTF-8') from None
    for c in msg:
        if ord(c) < 0x20 and c != '\n':
            raise Refused('note has a control character')
    split = msg.rfind('\n\n')
    if split < 0:
        raise Refused('note has no signature block')
    text = msg[: split + 1]
    sigs = msg[split + 2 :]
    if sigs == '' or not sigs.endswith('\n'):
        raise Refused('signature block empty or not ending in a newline')
    lines = sigs[:-1].split('\n')
    if len(lines) > 100:
        raise Refused('more than 100 signature lines')
    verified: dict = {}
    seen = set()
    unknown = 0
    for line in lines:
        if not line.startswith('\u2014 '):
            raise Refused(f'malformed signature line {line!r}')
        name, sep, sig64 = line[2:].partition(' ')
        if not sep or not is_key_name(name) or sig64 == '':
            raise Refused(f'malformed signature line {line!r}')
        raw = b64decode_strict(sig64)
        if len(raw) < 5:
            raise Refused('signature shorter than 5 bytes')
        kid = int.from_bytes(raw[:4], 'big')
        key = next((k for k in known if k.name == name and k.kid == kid), None)
        if key is None:
            unknown += 1
            continue
        if id(key) in seen:
            continue  # only the first line per key
        seen.add(id(key))
        body = raw[4:]
        if key.typ == 0x01:
            ok = ed25519_verify(key.pub, text.encode('utf-8'), body)
        elif key.typ == 0x04:
            ok = len(body) == 72 and verify_cosignature(key, text, body)
        else:
            ok = False
        if not ok:
            raise Refused(f'bad signature by known key {key.text()}')
        verified[key] = body
    if not verified:
        raise Refused('no signature by a known key')
    return OpenedNote(text, verified, unknown)


def verify_cosignature(key: VKey, text: str, body: bytes) -> bool:
    ts = int.from_bytes(body[:8], 'big')
    if ts > MAX_SAFE:
        return False
    msg = b'cosignature/v1\n' + f'time {ts}\n'.encode('ascii') + text.encode('utf-8')
    return ed25519_verify(key.pub, msg, body[8:])


def parse_checkpoint_text(text: str):
    if not text.endswith('\n'):
        raise Refused('checkpoint does not end in a newline')
    lines = text[:-1].split('\n')
    if len(lines) < 3 or any(line == '' for line in lines):
        raise Refused('checkpoint: fewer than three lines or an empty line')
    if any(ord(c) < 0x20 for c in text if c != '\n'):
        raise Refused('checkpoint: control character')
    origin = lines[0]
    size = parse_decimal(lines[1])
    root = b64decode_strict(lines[2])
    if len(root) != 32:
        raise Refused('checkpoint: root is not 32 bytes')
    return origin, size, root


# --------------------------------------------------------------------------
# Merkle tree (§4.1, §4.6) and tiles (§4.5)
# --------------------------------------------------------------------------


def leaf_hash(d: bytes) -> bytes:
    return hashlib.sha256(b'\x00' + d).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b'\x01' + left + right).digest()


def mth(hashes: list[bytes]) -> bytes:
    """Merkle root of a list of leaf (or subtree) hashes, RFC 6962 §2.1."""
    n = len(hashes)
    if n == 0:
        return hashlib.sha256(b'').digest()
    if n == 1:
        return hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size or len(proof) > 64:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m: int, n: int, proof: list[bytes], root_m: bytes, root_n: bytes) -> bool:
    """RFC 9162 §2.1.4.2."""
    if m == 0 or m > n or len(proof) > 64:
        return False
    if m == n:
        return len(proof) == 0 and root_m == root_n
    if not proof:
        return False
    if m & (m - 1) == 0:
        proof = [root_m] + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root_m and sr == root_n and sn == 0


def tile_index_path(n: int) -> str:
    groups = []
    while True:
        groups.append(f'{n % 1000:03d}')
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return '/'.join(['x' + g for g in groups[:-1]] + [groups[-1]])


def tile_path(level: int | str, n: int, width: int) -> str:
    p = f'tile/{level}/{tile_index_path(n)}'
    return p if width == 256 else f'{p}.p/{width}'


def parse_bundle(data: bytes, width: int) -> list[bytes]:
    out, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            raise Refused('entry bundle: truncated length prefix')
        ln = int.from_bytes(data[i : i + 2], 'big')
        i += 2
        if i + ln > len(data):
            raise Refused('entry bundle: truncated entry')
        out.append(data[i : i + ln])
        i += ln
    if len(out) != width:
        raise Refused(f'entry bundle holds {len(out)} entries, expected {width}')
    return out


# --------------------------------------------------------------------------
# Entries (§5)
# --------------------------------------------------------------------------

ELECTION_FIELDS = [
    'type', 'v', 'electionId', 'title', 'logOrigin', 'logKey', 'commissionKey',
    'definitionSha256', 'definitionSize', 'issuedAt', 'sig',
]  # fmt: skip
RESULT_FIELDS = [
    'type', 'v', 'election', 'contest', 'station', 'device', 'votes', 'rejected',
    'totalValid', 'form', 'deviceTime', 'sig',
]  # fmt: skip
OFFICIAL_FIELDS = ['type', 'v', 'election', 'account', 'role', 'at', 'act', 'sig']
ROLES = ('commission-admin', 'returning-officer', 'observer')
FIGURES = ['votes', 'rejected', 'totalValid']
ACT_FIELDS = {  # §14.1
    'account-created': ['account', 'role', 'scope'],
    'account-proposed': ['account', 'role', 'scope'],
    'account-approved': ['proposal'],
    'account-disabled': ['account'],
    'login': ['outcome', 'address'],
    'logout': [],
    'device-enrolled': ['device', 'station', 'publicKey', 'replaces'],
    'device-revoked': ['device', 'reason'],
    'correction-proposed': ['contest', 'station', 'original', 'reason', 'form', *FIGURES],
    'correction-approved': ['correction'],
    'declaration': ['contest', 'unit', 'override', *FIGURES],
}
LOGIN_OUTCOMES = ('success', 'failed')
APPROVING_ROLES = ('commission-admin', 'returning-officer')
_OCTET = r'(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
_GROUP = r'(?:0|[1-9a-f][0-9a-f]{0,3})'
# §14.1: an IPv4 /24, an IPv6 /48, or ""
_ADDRESS_CLASS_RE = re.compile(rf'{_OCTET}\.{_OCTET}\.{_OCTET}\.0/24|{_GROUP}:{_GROUP}:{_GROUP}::/48|')


def _reason_ok(v, allow_empty: bool) -> bool:
    return (
        isinstance(v, str)
        and (allow_empty or len(v) >= 1)
        and len(v) <= 500
        and not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in v)
    )


def _act_problems(act) -> list[str]:
    """§14.1: the act's members, by kind."""
    if not isinstance(act, dict):
        return ['act must be an object']
    kind = act.get('kind')
    if kind not in ACT_FIELDS:
        return [f'act.kind: unknown {kind!r}']
    fields = ACT_FIELDS[kind]
    problems = [f'act.{k} is not allowed' for k in act if k != 'kind' and k not in fields]
    for f in fields:
        if f not in act:
            problems.append(f'act.{f} is required')
            continue
        v = act[f]
        ok = True
        if f in ('account', 'device', 'station', 'contest'):
            ok = is_identifier(v)
        elif f in ('scope', 'unit', 'replaces'):
            ok = v == '' or is_identifier(v)
        elif f == 'role':
            ok = v in ROLES
        elif f == 'outcome':
            ok = v in LOGIN_OUTCOMES
        elif f == 'address':
            ok = isinstance(v, str) and _ADDRESS_CLASS_RE.fullmatch(v) is not None
        elif f == 'publicKey':
            ok = isinstance(v, str) and re.fullmatch(r'[A-Za-z0-9+/]{43}=', v) is not None
        elif f == 'reason':
            ok = _reason_ok(v, False)
        elif f == 'override':
            ok = _reason_ok(v, True)
        elif f == 'form':
            ok = isinstance(v, str) and _HEX64_RE.fullmatch(v) is not None
        elif f in ('original', 'correction', 'proposal', 'rejected', 'totalValid'):
            ok = is_count(v)
        elif f == 'votes':
            # §14.1: in an official act the keys of votes are identifiers too
            ok = _field_problem('votes', 'official', v) is None and all(is_identifier(k) for k in v)
        if not ok:
            problems.append(f'act.{f} is malformed')
    return problems


def _field_problem(name: str, typ: str, v) -> str | None:
    if name == 'type':
        return None if v == typ else f'must be "{typ}"'
    if name == 'v':
        return None if is_int(v) and v == 1 else 'must be 1'
    if name in ('electionId', 'election', 'contest', 'station', 'device'):
        return None if is_identifier(v) else 'must be an identifier'
    if name == 'account':
        return None if v == '' or is_identifier(v) else 'must be an identifier or ""'
    if name == 'role':
        return None if v == '' or v in ROLES else 'must be a role or ""'
    if name == 'at':
        return None if isinstance(v, str) and _TIME_RE.fullmatch(v) else 'must be RFC 3339 UTC'
    if name == 'act':
        p = _act_problems(v)
        return '; '.join(p) if p else None
    if name in ('title', 'logOrigin', 'logKey', 'commissionKey'):
        return None if isinstance(v, str) else 'must be a string'
    if name in ('definitionSha256', 'form'):
        return None if isinstance(v, str) and _HEX64_RE.fullmatch(v) else 'must be 64 lower-case hex'
    if name in ('definitionSize', 'rejected', 'totalValid'):
        return None if is_count(v) else 'must be a count'
    if name in ('issuedAt', 'deviceTime'):
        return None if isinstance(v, str) and _TIME_RE.fullmatch(v) else 'must be RFC 3339 UTC'
    if name == 'sig':
        return None if isinstance(v, str) and _SIG_RE.fullmatch(v) else 'must be 88 base64 characters'
    if name == 'votes':
        if not isinstance(v, dict):
            return 'must be an object'
        bad = [k for k, n in v.items() if not is_count(n)]
        return f'counts must be 0..10^9 ({bad[0]!r})' if bad else None
    return 'unknown'


def decode_entry(data: bytes) -> dict:
    """§5.1 decoding; raises Refused with a description."""
    if len(data) > 65535:
        raise Refused('entry over 65,535 bytes')
    v = parse_canonical(data)
    if not isinstance(v, dict):
        raise Refused('must be a JSON object')
    typ = v.get('type')
    if typ == 'election':
        fields = ELECTION_FIELDS
    elif typ == 'result':
        fields = RESULT_FIELDS
    elif typ == 'official':
        fields = OFFICIAL_FIELDS
    else:
        raise Refused(f'type: unknown or missing entry type {typ!r}')
    problems = [f'{k} is not allowed' for k in v if k not in fields]
    for f in fields:
        if f not in v:
            problems.append(f'{f} is required')
            continue
        p = _field_problem(f, typ, v[f])
        if p:
            problems.append(f'{f} {p}')
    if problems:
        raise Refused('; '.join(problems))
    return v


def signing_message(entry: dict) -> bytes:
    unsigned = {k: x for k, x in entry.items() if k != 'sig'}
    return b'kura-entry/v1\n' + canonical_bytes(unsigned)


def entry_signature_ok(entry: dict, public: bytes) -> bool:
    try:
        sig = b64decode_strict(entry['sig'])
    except Refused:
        return False
    return ed25519_verify(public, signing_message(entry), sig)


# --------------------------------------------------------------------------
# The definition (§6)
# --------------------------------------------------------------------------


def check_definition(d) -> list[str]:
    """§6.3; returns the problems (empty if consistent)."""
    if not isinstance(d, dict):
        return ['the definition is not a JSON object']
    shape = []
    for f in ('format', 'electionId', 'title', 'logOrigin', 'logKey', 'commissionKey'):
        if not isinstance(d.get(f), str):
            shape.append(f'{f} must be string')
    if not ('perStationCap' in d and (d['perStationCap'] is None or is_int(d['perStationCap']))):
        shape.append('perStationCap must be number or null')

    def s(x):
        return isinstance(x, str)

    def sn(x):
        return x is None or isinstance(x, str)

    member_types = {
        'units': {'code': s, 'level': s, 'name': s, 'parent': sn},
        'stations': {'code': s, 'name': s, 'ward': s, 'registeredVoters': is_int},
        'contests': {
            'id': s, 'kind': s, 'title': s, 'scope': s,
            'forms': lambda x: isinstance(x, dict),
            'candidates': lambda x: isinstance(x, list) and all(
                isinstance(c, dict) and s(c.get('id')) and s(c.get('name'))
                and 'unit' in c and sn(c['unit']) for c in x
            ),
        },  # fmt: skip
        'devices': {'id': s, 'publicKey': s, 'station': s},
    }
    for lst, members in member_types.items():
        arr = d.get(lst)
        if not isinstance(arr, list):
            shape.append(f'{lst} must be an array')
            continue
        for i, el in enumerate(arr):
            if not isinstance(el, dict):
                shape.append(f'{lst}[{i}] must be an object')
                continue
            for m, ok in members.items():
                if m not in el or not ok(el[m]):
                    shape.append(f'{lst}[{i}].{m} has the wrong type')
    if shape:
        return shape[:50]

    p = []
    if d['format'] != 'kura-election/v1':
        p.append('format must be kura-election/v1')
    if not is_identifier(d['electionId']):
        p.append('electionId is not an identifier')
    if d['logOrigin'] == '' or any(ord(c) < 0x20 for c in d['logOrigin']):
        p.append('logOrigin must be a non-empty line without control characters')
    for f in ('logKey', 'commissionKey'):
        try:
            parse_vkey(d[f], 0x01)
        except Refused as e:
            p.append(f'{f}: {e}')
    units: dict = {}
    for u in d['units']:
        if not is_identifier(u['code']) or u['code'] in units:
            p.append(f'unit code {u["code"]!r} is repeated or not an identifier')
        units.setdefault(u['code'], u)
    level_of = {}
    for u in d['units']:
        level_of.setdefault(u['code'], u['level'])
    for u in d['units']:
        lv, par = u['level'], u['parent']
        if lv == 'county':
            if par is not None:
                p.append(f'county {u["code"]} must have parent null')
        elif lv == 'constituency':
            if par is None or level_of.get(par) != 'county':
                p.append(f'constituency {u["code"]}: parent must be a county')
        elif lv == 'ward':
            if par is None or level_of.get(par) != 'constituency':
                p.append(f'ward {u["code"]}: parent must be a constituency')
        else:
            p.append(f'unit {u["code"]}: bad level')
    stations = set()
    for st in d['stations']:
        if not is_identifier(st['code']) or st['code'] in stations:
            p.append(f'station code {st["code"]!r} is repeated or not an identifier')
        stations.add(st['code'])
        if level_of.get(st['ward']) != 'ward':
            p.append(f'station {st["code"]}: ward is not a ward')
        rv = st['registeredVoters']
        if not (is_int(rv) and 0 <= rv <= MAX_SAFE):
            p.append(f'station {st["code"]}: registeredVoters must be a safe integer >= 0')
    contests = set()
    for c in d['contests']:
        if not is_identifier(c['id']) or c['id'] in contests:
            p.append(f'contest id {c["id"]!r} is repeated or not an identifier')
        contests.add(c['id'])
        if c['scope'] not in ('nation', 'county', 'constituency', 'ward'):
            p.append(f'contest {c["id"]}: bad scope')
        cands = set()
        for cand in c['candidates']:
            if not is_identifier(cand['id']) or cand['id'] in cands:
                p.append(f'contest {c["id"]}: candidate id {cand["id"]!r} is repeated or not an identifier')
            cands.add(cand['id'])
            if c['scope'] == 'nation':
                if cand['unit'] is not None:
                    p.append(f'contest {c["id"]}: candidate {cand["id"]} must have unit null')
            elif cand['unit'] is None or level_of.get(cand['unit']) != c['scope']:
                p.append(f'contest {c["id"]}: candidate {cand["id"]} must stand in a {c["scope"]}')
    devices, keys = set(), {}
    for dv in d['devices']:
        if not is_identifier(dv['id']) or dv['id'] in devices:
            p.append(f'device id {dv["id"]!r} is repeated or not an identifier')
        devices.add(dv['id'])
        if dv['station'] not in stations:
            p.append(f'device {dv["id"]}: station is not a station code')
        try:
            raw = b64decode_strict(dv['publicKey'])
            if len(raw) != 32:
                raise Refused('length')
        except Refused:
            p.append(f'device {dv["id"]}: publicKey must be 32 bytes of canonical base64')
        else:
            if dv['publicKey'] in keys:
                p.append(f'devices {keys[dv["publicKey"]]} and {dv["id"]} share one public key')
            keys.setdefault(dv['publicKey'], dv['id'])
    cap = d['perStationCap']
    if cap is not None and not (is_int(cap) and 0 < cap <= MAX_SAFE):
        p.append('perStationCap must be null or a safe integer > 0')
    return p[:50]


class Election:
    """Derived views of §6.2."""

    def __init__(self, d: dict):
        self.d = d
        self.units = {u['code']: u for u in d['units']}
        self.stations = {s['code']: s for s in d['stations']}
        self.contests = {c['id']: c for c in d['contests']}
        self.devices = {x['id']: x for x in d['devices']}
        self.rollup = {}
        for s in d['stations']:
            w = s['ward']
            c = self.units[w]['parent']
            k = self.units[c]['parent']
            self.rollup[s['code']] = ['', k, c, w]
        # races[contest][race unit] = [candidate ids in definition order]
        self.races: dict = {}
        # party_key[contest][candidate id] = the party key of §8.1
        self.party_key: dict = {}
        for c in d['contests']:
            r: dict = {}
            for cand in c['candidates']:
                u = '' if c['scope'] == 'nation' else cand['unit']
                r.setdefault(u, []).append(cand['id'])
            self.races[c['id']] = r
            # the candidate's party if it is a string, else ''
            self.party_key[c['id']] = {
                cand['id']: cand['party'] if isinstance(cand.get('party'), str) else '' for cand in c['candidates']
            }

    def race_unit_of(self, contest: str, station: str) -> str:
        c = self.contests[contest]
        _, k, con, w = self.rollup[station]
        return {'nation': '', 'county': k, 'constituency': con, 'ward': w}[c['scope']]

    def race_of(self, contest: str, station: str):
        return self.races[contest].get(self.race_unit_of(contest, station))


# --------------------------------------------------------------------------
# Rules (§7) and the fold (§8)
# --------------------------------------------------------------------------


def check_result(el: Election, e: dict, sig_ok, devices: dict | None = None) -> tuple[str | None, list[str]]:
    """§7.1 then §7.2: (refusal code or None, flags). `devices`: the devices on record (§14.2)."""
    if e['election'] != el.d['electionId']:
        return 'WRONG_ELECTION', []
    if e['contest'] not in el.contests:
        return 'UNKNOWN_CONTEST', []
    if e['station'] not in el.stations:
        return 'UNKNOWN_STATION', []
    race = el.race_of(e['contest'], e['station'])
    if race is None:
        return 'STATION_NOT_IN_CONTEST', []
    dev = (devices if devices is not None else el.devices).get(e['device'])
    if dev is None:
        return 'UNKNOWN_DEVICE', []
    if dev.get('revokedAt') is not None:
        return 'DEVICE_REVOKED', []
    if dev['station'] != e['station']:
        return 'DEVICE_NOT_ENROLLED_AT_STATION', []
    race_set = set(race)
    for k in sorted(e['votes'], key=_utf16_key):
        if k not in race_set:
            return f'UNKNOWN_CANDIDATE ({k!r})', []
    for c in race:
        if c not in e['votes']:
            return f'MISSING_CANDIDATE ({c!r})', []
    if not sig_ok(e, b64decode_strict(dev['publicKey'])):
        return 'BAD_SIGNATURE', []
    return None, flags_of(el, e)


def flags_of(el: Election, e: dict) -> list[str]:
    """§7.2 on a result's (or a correction's) figures."""
    total = sum(e['votes'].values())
    ballots = e['totalValid'] + e['rejected']
    b = max(ballots, total + e['rejected'])
    flags = []
    if b > el.stations[e['station']]['registeredVoters']:
        flags.append('over-registered')
    cap = el.d['perStationCap']
    if cap is not None and b > cap:
        flags.append('over-cap')
    if total != e['totalValid']:
        flags.append('sum-mismatch')
    return flags


class Fold:
    def __init__(self, el: Election, sig_ok=entry_signature_ok):
        self.el = el
        self.sig_ok = sig_ok
        self.results: dict = {c['id']: {} for c in el.d['contests']}
        self.tallies: dict = {c['id']: {} for c in el.d['contests']}
        self.anomalies: list = []
        self.size = 0
        # §14.2: officials' state
        self.accounts: dict = {}  # id -> {role, scope, disabledAt, lineage (a set)}
        self.account_proposals: dict = {}  # index -> {account, role, scope, proposedBy, approvedAt}
        self.pending_accounts: dict = {}  # account id -> proposal index
        self.devices: dict = {d['id']: {**d, 'enrolledAt': -1, 'revokedAt': None} for d in el.d['devices']}
        self.corrections: dict = {}
        self.pending: dict = {}  # (contest, station) -> correction index
        self.declarations: dict = {}
        self.acts: list = []
        self.commission_pub = parse_vkey(el.d['commissionKey']).pub
        # §8.1: a unit at rank (nation 0 … ward 3) below the scope's rank has a PartyTally
        rank = {'nation': 0, 'county': 1, 'constituency': 2, 'ward': 3}
        races_in: dict = {}  # (contest, unit) -> set of race units, for PartyTallies
        for c in el.d['contests']:
            pk = el.party_key[c['id']]
            for s in el.d['stations']:
                race = el.race_of(c['id'], s['code'])
                if race is None:
                    continue
                race_unit = el.race_unit_of(c['id'], s['code'])
                # rollup is [nation, county, constituency, ward]: position = rank of the unit's level
                for pos, u in enumerate(el.rollup[s['code']]):
                    t = self.tallies[c['id']].get(u)
                    if t is None:
                        counts = {'votes': {}} if pos >= rank[c['scope']] else {'races': 0, 'partyVotes': {}}
                        t = {
                            'contest': c['id'], 'unit': u, **counts, 'totalValid': 0,
                            'rejected': 0, 'stationsReported': 0, 'stationsExpected': 0,
                            'registeredReported': 0, 'registeredExpected': 0,
                            'flagged': {}, 'lastEntry': -1,
                        }  # fmt: skip
                        self.tallies[c['id']][u] = t
                    t['stationsExpected'] += 1
                    t['registeredExpected'] += s['registeredVoters']
                    if 'votes' in t:
                        for cand in race:
                            t['votes'].setdefault(cand, 0)
                    else:
                        seen = races_in.setdefault((c['id'], u), set())
                        if race_unit not in seen:
                            seen.add(race_unit)
                            t['races'] = len(seen)
                            for cand in race:
                                t['partyVotes'].setdefault(pk[cand], 0)

    def apply(self, i: int, data: bytes) -> None:
        assert i == self.size
        self.size += 1
        try:
            e = decode_entry(data)
        except Refused as ex:
            self.anomalies.append((i, 'undecodable', str(ex)))
            return
        if e['type'] == 'election':
            if i != 0:
                self.anomalies.append((i, 'misplaced-election-entry', 'an election entry may only be entry 0'))
            return
        if e['type'] == 'official':
            code = self.check_official(i, e)
            if code is not None:
                self.anomalies.append((i, 'official-refused', code))
                return
            self.apply_official(i, e)
            return
        code, flags = check_result(self.el, e, self.sig_ok, self.devices)
        if code is not None:
            self.anomalies.append((i, 'rule-violation', code))
            return
        prior = self.results[e['contest']].get(e['station'])
        if prior is not None:
            self.anomalies.append(
                (i, 'duplicate-result', f'station {e["station"]} already reported {e["contest"]} at entry {prior["entryIndex"]}')
            )
            return
        self.results[e['contest']][e['station']] = {
            'contest': e['contest'], 'station': e['station'], 'entryIndex': i,
            'device': e['device'], 'votes': e['votes'], 'rejected': e['rejected'],
            'totalValid': e['totalValid'], 'form': e['form'], 'deviceTime': e['deviceTime'],
            'flags': flags,
        }  # fmt: skip
        st = self.el.stations[e['station']]
        pk = self.el.party_key[e['contest']]
        for u in self.el.rollup[e['station']]:
            t = self.tallies[e['contest']][u]
            for c, n in e['votes'].items():
                if 'votes' in t:
                    t['votes'][c] += n
                else:
                    t['partyVotes'][pk[c]] += n
            t['totalValid'] += e['totalValid']
            t['rejected'] += e['rejected']
            t['stationsReported'] += 1
            t['registeredReported'] += st['registeredVoters']
            for f in flags:
                t['flagged'][f] = t['flagged'].get(f, 0) + 1
            t['lastEntry'] = i


    # ---- §14 ----
    def covers(self, scope: str, station: str) -> bool:
        return scope == '' or scope in self.el.rollup[station][1:3]

    def race_figures(self, contest: str, unit: str):
        t = self.tallies[contest].get(unit)
        if t is None or 'votes' not in t:
            return None
        return t

    def check_official(self, i: int, e: dict) -> str | None:
        el, act, kind = self.el, e['act'], e['act']['kind']
        if e['election'] != el.d['electionId']:
            return 'WRONG_ELECTION'
        try:
            sig = b64decode_strict(e['sig'])
        except Refused:
            return 'BAD_COMMISSION_SIGNATURE'
        if not ed25519_verify(self.commission_pub, signing_message(e), sig):
            return 'BAD_COMMISSION_SIGNATURE'
        actor = None
        if e['account'] == '':
            if e['role'] != '':
                return 'ROLE_MISMATCH'
            if not (kind == 'account-created' or (kind == 'login' and act['outcome'] == 'failed')):
                return 'NOT_PERMITTED'
        else:
            actor = self.accounts.get(e['account'])
            if actor is None:
                return 'UNKNOWN_ACCOUNT'
            if e['role'] != actor['role']:
                return 'ROLE_MISMATCH'
            if actor['disabledAt'] is not None and not (kind == 'login' and act['outcome'] == 'failed'):
                return 'ACCOUNT_DISABLED'

        def allowed(*roles):
            return actor is not None and actor['role'] in roles

        if kind in ('login', 'logout'):
            return None
        if kind in ('account-created', 'account-proposed'):
            if (actor is not None or kind == 'account-proposed') and not allowed('commission-admin'):
                return 'NOT_PERMITTED'
            approving = act['role'] in APPROVING_ROLES
            if kind == 'account-created' and actor is not None and approving:
                return 'TWO_PERSON_RULE'
            if kind == 'account-proposed' and not approving:
                return 'NOT_PERMITTED'
            if act['account'] in self.accounts or act['account'] in self.pending_accounts:
                return 'ACCOUNT_EXISTS'
            if act['role'] == 'returning-officer':
                u = el.units.get(act['scope'])
                if u is None or u['level'] == 'ward':
                    return 'BAD_SCOPE'
            elif act['scope'] != '':
                return 'BAD_SCOPE'
            return None
        if kind == 'account-approved':
            if not allowed('commission-admin'):
                return 'NOT_PERMITTED'
            p = self.account_proposals.get(act['proposal'])
            if p is None:
                return 'UNKNOWN_PROPOSAL'
            if p['approvedAt'] is not None:
                return 'ACCOUNT_EXISTS'
            if actor['id'] == p['proposedBy']:
                return 'SELF_APPROVAL'
            if not self.independent(actor['id'], p['proposedBy']):
                return 'NOT_INDEPENDENT'
            return None
        if kind == 'account-disabled':
            if not allowed('commission-admin'):
                return 'NOT_PERMITTED'
            a = self.accounts.get(act['account'])
            if a is None:
                return 'UNKNOWN_ACCOUNT'
            return 'ACCOUNT_DISABLED' if a['disabledAt'] is not None else None
        if kind == 'device-enrolled':
            if not allowed('commission-admin'):
                return 'NOT_PERMITTED'
            if act['station'] not in el.stations:
                return 'UNKNOWN_STATION'
            if act['device'] in self.devices:
                return 'DEVICE_EXISTS'
            try:
                key = b64decode_strict(act['publicKey'])
            except Refused:
                return 'WEAK_DEVICE_KEY'
            if len(key) != 32 or small_order_or_invalid(key) is not None:
                return 'WEAK_DEVICE_KEY'
            if any(d['publicKey'] == act['publicKey'] for d in self.devices.values()):
                return 'DEVICE_EXISTS'
            if act['replaces'] != '':
                old = self.devices.get(act['replaces'])
                if old is None:
                    return 'UNKNOWN_DEVICE'
                if old['station'] != act['station']:
                    return 'NOT_PERMITTED'
                if old['revokedAt'] is not None:
                    return 'DEVICE_REVOKED'
            return None
        if kind == 'device-revoked':
            if not allowed('commission-admin'):
                return 'NOT_PERMITTED'
            d = self.devices.get(act['device'])
            if d is None:
                return 'UNKNOWN_DEVICE'
            return 'DEVICE_REVOKED' if d['revokedAt'] is not None else None
        if kind == 'correction-proposed':
            if not allowed('returning-officer', 'commission-admin'):
                return 'NOT_PERMITTED'
            if act['contest'] not in el.contests:
                return 'UNKNOWN_CONTEST'
            if act['station'] not in el.stations:
                return 'UNKNOWN_STATION'
            race = el.race_of(act['contest'], act['station'])
            if race is None:
                return 'STATION_NOT_IN_CONTEST'
            for k in sorted(act['votes'], key=_utf16_key):
                if k not in race:
                    return 'UNKNOWN_CANDIDATE'
            for c in race:
                if c not in act['votes']:
                    return 'MISSING_CANDIDATE'
            if not self.covers(actor['scope'], act['station']):
                return 'NOT_PERMITTED'
            r = self.results[act['contest']].get(act['station'])
            if r is None or r['entryIndex'] != act['original']:
                return 'NO_SUCH_RESULT'
            if (act['contest'], act['station']) in self.pending:
                return 'CORRECTION_PENDING'
            return None
        if kind == 'correction-approved':
            c = self.corrections.get(act['correction'])
            if c is None:
                return 'UNKNOWN_CORRECTION'
            if c['status'] == 'in-force':
                return 'CORRECTION_NOT_PENDING'
            if actor is None or actor['role'] not in APPROVING_ROLES:
                return 'NOT_PERMITTED'
            if actor['id'] == c['proposedBy'] or actor['id'] in c['approvals']:
                return 'SELF_APPROVAL'
            if c['status'] == 'awaiting-returning-officer':
                if actor['role'] != 'returning-officer' or not self.covers(actor['scope'], c['station']):
                    return 'WRONG_APPROVER'
            elif actor['role'] != 'commission-admin':
                return 'WRONG_APPROVER'
            if any(not self.independent(actor['id'], o) for o in [c['proposedBy'], *c['approvals']]):
                return 'NOT_INDEPENDENT'
            return None
        if kind == 'declaration':
            if not allowed('returning-officer', 'commission-admin'):
                return 'NOT_PERMITTED'
            if act['contest'] not in el.contests:
                return 'UNKNOWN_CONTEST'
            if act['unit'] != '' and act['unit'] not in el.units:
                return 'UNKNOWN_UNIT'
            if actor['role'] == 'returning-officer' and actor['scope'] != act['unit']:
                return 'NOT_PERMITTED'
            t = self.race_figures(act['contest'], act['unit'])
            if t is None:
                return 'NOT_A_RACE_UNIT'
            if (act['contest'], act['unit']) in self.declarations:
                return 'ALREADY_DECLARED'
            if any(k not in t['votes'] for k in act['votes']):
                return 'UNKNOWN_CANDIDATE'
            if any(k not in act['votes'] for k in t['votes']):
                return 'MISSING_CANDIDATE'
            if differences(act, t) and act['override'] == '':
                return 'DECLARATION_MISMATCH'
            return None
        return 'UNKNOWN_KIND'

    def apply_official(self, i: int, e: dict) -> None:
        act, kind = e['act'], e['act']['kind']
        self.acts.append((i, e['account'], kind))
        if kind == 'account-created':
            self.add_account(act['account'], act['role'], act['scope'], [] if e['account'] == '' else [e['account']])
        elif kind == 'account-proposed':
            self.account_proposals[i] = {**act, 'proposedBy': e['account'], 'approvedAt': None}
            self.pending_accounts[act['account']] = i
        elif kind == 'account-approved':
            p = self.account_proposals[act['proposal']]
            p['approvedAt'] = i
            del self.pending_accounts[p['account']]
            self.add_account(p['account'], p['role'], p['scope'], [p['proposedBy'], e['account']])
        elif kind == 'account-disabled':
            self.accounts[act['account']]['disabledAt'] = i
        elif kind == 'device-enrolled':
            if act['replaces'] != '':
                self.devices[act['replaces']]['revokedAt'] = i
            self.devices[act['device']] = {'id': act['device'], 'station': act['station'], 'publicKey': act['publicKey'], 'enrolledAt': i, 'revokedAt': None}
        elif kind == 'device-revoked':
            self.devices[act['device']]['revokedAt'] = i
        elif kind == 'correction-proposed':
            self.corrections[i] = {**act, 'proposedBy': e['account'], 'approvals': [], 'approvalIndexes': [], 'status': 'awaiting-returning-officer'}
            self.pending[(act['contest'], act['station'])] = i
        elif kind == 'correction-approved':
            c = self.corrections[act['correction']]
            c['approvals'].append(e['account'])
            c['approvalIndexes'].append(i)
            if c['status'] == 'awaiting-returning-officer':
                c['status'] = 'awaiting-commission'
            else:
                c['status'] = 'in-force'
                del self.pending[(c['contest'], c['station'])]
                self.put_in_force(i, act['correction'], c)
        elif kind == 'declaration':
            t = self.race_figures(act['contest'], act['unit'])
            self.declarations[(act['contest'], act['unit'])] = {'entryIndex': i, 'differences': differences(act, t), 'override': act['override']}

    def add_account(self, account: str, role: str, scope: str, created_by: list) -> None:
        """§14.2: the lineage is every account that took part in making it, transitively."""
        lineage = set(created_by)
        for c in created_by:
            lineage |= self.accounts[c]['lineage']
        self.accounts[account] = {'id': account, 'role': role, 'scope': scope, 'disabledAt': None, 'lineage': lineage}

    def independent(self, a: str, b: str) -> bool:
        """§14.2: distinct, and neither took part in making the other."""
        return a != b and b not in self.accounts[a]['lineage'] and a not in self.accounts[b]['lineage']

    def put_in_force(self, i: int, ci: int, c: dict) -> None:
        """§14.3: count the station with the correction's figures."""
        r = self.results[c['contest']][c['station']]
        new_flags = flags_of(self.el, {'station': c['station'], **{k: c[k] for k in FIGURES}})
        pk = self.el.party_key[c['contest']]
        for u in self.el.rollup[c['station']]:
            t = self.tallies[c['contest']][u]
            for votes, sign in ((r['votes'], -1), (c['votes'], 1)):
                for cand, n in votes.items():
                    if 'votes' in t:
                        t['votes'][cand] += sign * n
                    else:
                        t['partyVotes'][pk[cand]] += sign * n
            t['totalValid'] += c['totalValid'] - r['totalValid']
            t['rejected'] += c['rejected'] - r['rejected']
            for f in r['flags']:
                t['flagged'][f] -= 1
                if t['flagged'][f] == 0:
                    del t['flagged'][f]
            for f in new_flags:
                t['flagged'][f] = t['flagged'].get(f, 0) + 1
            if 'correction' not in r:
                t['corrections'] = t.get('corrections', 0) + 1
            t['lastEntry'] = i
        original = r['correction']['original'] if 'correction' in r else {
            'votes': r['votes'], 'rejected': r['rejected'], 'totalValid': r['totalValid'], 'form': r['form'], 'flags': r['flags'],
        }  # fmt: skip
        r['correction'] = {'entryIndex': ci, 'inForceAt': i, 'reason': c['reason'], 'original': original}
        r.update({'votes': c['votes'], 'rejected': c['rejected'], 'totalValid': c['totalValid'], 'form': c['form'], 'flags': new_flags})


def differences(declared: dict, logged: dict) -> list:
    """§14.3: candidates of the tally in sorted order, then rejected, then totalValid."""
    out = []
    for c in sorted(logged['votes'], key=_utf16_key):
        if declared['votes'].get(c, 0) != logged['votes'][c]:
            out.append({'field': f'votes.{c}', 'declared': declared['votes'].get(c, 0), 'logged': logged['votes'][c]})
    for f in ('rejected', 'totalValid'):
        if declared[f] != logged[f]:
            out.append({'field': f, 'declared': declared[f], 'logged': logged[f]})
    return out


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------


class Client:
    def __init__(self, base: str):
        self.base = base.rstrip('/')

    def get(self, path: str) -> tuple[int, bytes]:
        url = f'{self.base}/{path.lstrip("/")}'
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except (urllib.error.URLError, OSError) as e:
            raise Unusable(f'cannot reach {url}: {e}') from None


def q(s: str) -> str:
    return urllib.parse.quote(s, safe='')


# --------------------------------------------------------------------------
# The verifier (§11)
# --------------------------------------------------------------------------


class Verifier:
    def __init__(self, server: str, log_key: VKey, commission_key: str | None, max_units: int):
        self.http = Client(server)
        self.log_key = log_key
        self.commission_key = commission_key
        self.max_units = max_units
        self.findings: list[str] = []
        self.warnings: list[str] = []
        self.info: list[str] = []

    def finding(self, msg: str) -> None:
        self.findings.append(msg)
        print(f'FINDING: {msg}', flush=True)

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)
        print(f'WARNING: {msg}', flush=True)

    def say(self, msg: str) -> None:
        self.info.append(msg)
        print(msg, flush=True)

    class Stop(Exception):
        pass

    def fatal(self, msg: str):
        self.finding(msg)
        raise Verifier.Stop()

    def get_json(self, path: str, label: str):
        """GET a JSON object; a finding (and None) if the status is not 200 or the body is not an object."""
        status, body = self.http.get(path)
        if status != 200:
            self.finding(f'{label}: GET /{path}: HTTP {status}: {body[:200]!r}')
            return None
        try:
            r = json.loads(body)
        except ValueError:
            r = None
        if not isinstance(r, dict):
            self.finding(f'{label}: GET /{path}: the body is not a JSON object')
            return None
        return r

    def fetch(self, path: str) -> bytes:
        status, body = self.http.get(path)
        if status != 200:
            self.fatal(f'GET {path}: HTTP {status}: {body[:200]!r}')
        return body

    # ---- step 2 ----
    def checkpoint(self):
        note = self.fetch('log/checkpoint')
        try:
            opened = open_note(note, [self.log_key])
            if self.log_key not in opened.verified:
                raise Refused('no valid signature by the log key')
            origin, size, root = parse_checkpoint_text(opened.text)
        except Refused as e:
            self.fatal(f'checkpoint refused: {e}')
        # Optionally: the log's own timestamped cosignature (§4.3), with the derived 0x04 key.
        cos = VKey(self.log_key.name, key_id(self.log_key.name, 0x04, self.log_key.pub), 0x04, self.log_key.pub)
        try:
            opened2 = open_note(note, [self.log_key, cos])
            if cos in opened2.verified:
                ts = int.from_bytes(opened2.verified[cos][:8], 'big')
                self.say(f'checkpoint: log cosignature/v1 timestamp {ts}')
            else:
                self.warn('checkpoint carries no type 0x04 cosignature by the log key (§4.3 says kura signs twice)')
        except Refused as e:
            self.finding(f'checkpoint: the log key\'s type 0x04 cosignature does not verify: {e}')
        self.say(f'checkpoint: origin {origin!r}, size {size}, root {root.hex()}')
        return note, origin, size, root

    # ---- step 5 ----
    def mirror(self, size: int, root: bytes) -> list[bytes]:
        entries: list[bytes] = []
        full, rest = divmod(size, 256)
        bundles = [(n, 256) for n in range(full)] + ([(full, rest)] if rest else [])
        for n, w in bundles:
            path = 'log/' + tile_path('entries', n, w)
            try:
                entries += parse_bundle(self.fetch(path), w)
            except Refused as e:
                self.fatal(f'{path}: {e}')
        leaves = [leaf_hash(e) for e in entries]
        got = mth(leaves)
        if got != root:
            self.fatal(f'root mismatch: checkpoint {root.hex()}, recomputed from entries {got.hex()}')
        self.say(f'log: {size} entries; recomputed root matches the checkpoint')
        # Hash tiles (optional in §11 step 5, done here).
        level, hashes, ntiles = 0, leaves, 0
        while len(hashes) > 0:
            full, rest = divmod(len(hashes), 256)
            for n in range(full + (1 if rest else 0)):
                w = 256 if n < full else rest
                path = 'log/' + tile_path(level, n, w)
                body = self.fetch(path)
                want = b''.join(hashes[n * 256 : n * 256 + w])
                ntiles += 1
                if body != want:
                    self.finding(f'{path}: hash tile differs from the hashes recomputed from the entries')
            hashes = [mth(hashes[i * 256 : (i + 1) * 256]) for i in range(full)]
            level += 1
        self.say(f'tiles: {ntiles} hash tiles match')
        self.leaves = leaves
        return entries

    def proofs(self, size: int, root: bytes):
        """Check the server's inclusion and consistency proofs against our own roots."""
        idx = sorted({0, size // 2, size - 1})
        for i in idx:
            r = self.get_json(f'api/v1/entries/{i}?size={size}', f'entry {i}')
            if r is None:
                continue
            try:
                ok = (
                    r.get('index') == i
                    and r.get('treeSize') == size
                    and r.get('leafHash') == self.leaves[i].hex()
                    and leaf_hash(b64decode_strict(r['entry'])) == self.leaves[i]
                    and verify_inclusion(self.leaves[i], i, size, [b64decode_strict(h) for h in r['inclusionProof']], root)
                )
            except (Refused, KeyError, TypeError) as e:
                ok = False
                self.finding(f'/api/v1/entries/{i}: malformed ({e})')
            if not ok:
                self.finding(f'/api/v1/entries/{i}?size={size}: entry or inclusion proof does not verify')
        for m in sorted({1, max(1, size // 2), size}):
            r = self.get_json(f'api/v1/proof/consistency?from={m}&to={size}', f'consistency proof {m} -> {size}')
            if r is None:
                continue
            try:
                proof = [b64decode_strict(h) for h in r['proof']]
            except (Refused, KeyError, TypeError):
                self.finding(f'consistency proof {m} -> {size}: malformed')
                continue
            if not verify_consistency(m, size, proof, mth(self.leaves[:m]), root):
                self.finding(f'consistency proof {m} -> {size} does not verify')
        self.say(f'proofs: inclusion of entries {idx} and consistency proofs checked')

    # ---- step 4 ----
    def genesis(self, entry0: bytes, origin: str) -> Election:
        try:
            e = decode_entry(entry0)
        except Refused as ex:
            self.fatal(f'entry 0 does not decode: {ex}')
        if e['type'] != 'election':
            self.fatal('entry 0 is not an election entry')
        doc = self.fetch('api/v1/election')
        if len(doc) != e['definitionSize'] or hashlib.sha256(doc).hexdigest() != e['definitionSha256']:
            self.fatal('the definition served at /api/v1/election does not match entry 0 (size or SHA-256)')
        try:
            d = parse_canonical(doc)
        except Refused as ex:
            self.fatal(f'definition is not canonical JSON: {ex}')
        if not isinstance(d, dict):
            self.fatal('definition is not a JSON object')
        for f_doc, f_entry in [('electionId',) * 2, ('title',) * 2, ('logOrigin',) * 2, ('logKey',) * 2, ('commissionKey',) * 2]:
            if d.get(f_doc) != e[f_entry]:
                self.fatal(f'definition {f_doc} differs from entry 0')
        if self.commission_key is not None:
            if e['commissionKey'] != self.commission_key:
                self.fatal(f'entry 0 commissionKey {e["commissionKey"]!r} is not the pinned commission key')
        else:
            self.warn('no commission key pinned: entry 0 is only self-signed, anyone could forge it (§1)')
        try:
            ck = parse_vkey(e['commissionKey'], 0x01)
        except Refused as ex:
            self.fatal(f'entry 0 commissionKey: {ex}')
        if not entry_signature_ok(e, ck.pub):
            self.fatal('entry 0: the commission signature does not verify')
        problems = check_definition(d)
        if problems:
            self.fatal('definition is inconsistent: ' + '; '.join(problems))
        if d['logKey'] != self.log_key.text() and parse_vkey(d['logKey']).text() != self.log_key.text():
            self.fatal(f'definition logKey {d["logKey"]!r} is not the pinned log key')
        if d['logOrigin'] != origin:
            self.fatal(f'checkpoint origin {origin!r} is not the definition logOrigin {d["logOrigin"]!r}')
        self.say(
            f'entry 0: election {d["electionId"]!r}, commission signature OK, definition '
            f'{e["definitionSize"]} bytes, SHA-256 OK, consistent'
        )
        status, body = self.http.get('log/key')
        if status != 200 or body != (d['logKey'] + '\n').encode('utf-8'):
            self.finding(f'/log/key does not serve the definition logKey (HTTP {status})')
        el = Election(d)
        demo = bad = 0
        for dv in d['devices']:
            raw = b64decode_strict(dv['publicKey'])
            why = small_order_or_invalid(raw)
            if why:
                bad += 1
                self.warn(f'device {dv["id"]}: enrolled key is {why} (Appendix C item 1)')
            seed = hashlib.sha256(f'kura demo device key\n{d["electionId"]}\n{dv["id"]}'.encode('utf-8')).digest()
            if ed25519_public_key(seed) == raw:
                demo += 1
        if demo:
            self.warn(
                f'{demo} of {len(d["devices"])} enrolled device keys are PUBLIC DEMO KEYS (§3.6): '
                'this log proves nothing about a real election'
            )
        return el

    # ---- step 7 ----
    def compare_tally(self, fold: Fold, contest: str, unit: str, n: int):
        mine = fold.tallies[contest].get(unit)
        path = f'api/v1/tally/{q(contest)}' + (f'/{q(unit)}' if unit else '')
        status, body = self.http.get(path)
        label = f'tally {contest}/{unit or "(nation)"}'
        if mine is None:
            if status != 404:
                self.finding(f'{label}: no such tally per the fold (§8.2), but the server answers HTTP {status}')
            return None
        if status == 404 and mine['lastEntry'] == -1:
            return None  # a reader has no row before a result is counted (§10.4)
        if status != 200:
            self.finding(f'{label}: HTTP {status}: {body[:200]!r}')
            return None
        try:
            r = json.loads(body)
        except ValueError:
            r = None
        if not isinstance(r, dict):
            self.finding(f'{label}: the body is not a JSON object')
            return None
        el = fold.el
        want_level = 'nation' if unit == '' else el.units[unit]['level']
        want_name = el.d['title'] if unit == '' else el.units[unit]['name']
        if r.get('contest') != contest or r.get('unit') != unit or r.get('level') != want_level or r.get('name') != want_name:
            self.finding(f'{label}: contest/unit/level/name header differs: {[r.get(k) for k in ("contest", "unit", "level", "name")]}')
        self.compare_one(label, mine, r.get('tally'), n)
        kids = [u['code'] for u in el.d['units'] if (unit == '' and u['parent'] is None) or (unit != '' and u['parent'] == unit)]
        kids = [k for k in kids if k in fold.tallies[contest]]
        served = r.get('children')
        if not isinstance(served, list):
            self.finding(f'{label}: children is not a list')
            return r
        served_units = [c.get('unit') for c in served]
        it = iter(kids)
        if not all(any(s == k for k in it) for s in served_units):
            self.finding(f'{label}: children {served_units} are not (in order) among the expected {kids}')
        for c in served:
            cu = c.get('unit')
            if cu not in fold.tallies[contest]:
                continue
            if c.get('name') != el.units[cu]['name'] or c.get('level') != el.units[cu]['level']:
                self.finding(f'{label}: child {cu} name/level differs')
            self.compare_one(f'{label} child {cu}', fold.tallies[contest][cu], c.get('tally'), n)
        for k in kids:
            if k not in served_units and fold.tallies[contest][k]['lastEntry'] != -1:
                self.finding(f'{label}: child {k} (with counted results) missing from children')
        return r

    def compare_one(self, label: str, mine: dict, served, n: int):
        self.compared += 1
        if not isinstance(served, dict):
            self.finding(f'{label}: tally missing or not an object')
            return
        le = served.get('lastEntry')
        if is_int(le) and le >= n:
            self.warn(f'{label}: served tally (lastEntry {le}) is ahead of the checkpoint (size {n}); not compared')
            return
        if served != mine:
            diffs = []
            for k in sorted(set(mine) | set(served)):
                if mine.get(k) != served.get(k):
                    diffs.append(f'{k}: server {json.dumps(served.get(k))}, recomputed {json.dumps(mine.get(k))}')
            self.finding(f'{label} differs from the recomputed tally: ' + '; '.join(diffs))

    def compare_station(self, fold: Fold, code: str, n: int):
        el = fold.el
        r = self.get_json(f'api/v1/stations/{q(code)}', f'station {code}')
        if r is None:
            return
        if r.get('station') != el.stations[code]:
            self.finding(f'station {code}: station object differs from the definition: {r.get("station")}')
        _, k, c, w = el.rollup[code]
        for key, u in (('ward', w), ('constituency', c), ('county', k)):
            if r.get(key) != {'code': u, 'name': el.units[u]['name']}:
                self.finding(f'station {code}: {key} differs: {r.get(key)}')
        # §10.4: a writer lists the devices as the fold knows them (§14.3), with enrolledAt
        # and revokedAt where official entries set them; a reader lists the definition's.
        def dev_key(x):
            return json.dumps(x, sort_keys=True)

        want_fold = sorted(
            (dev_key({'id': d['id'], 'publicKey': d['publicKey'],
                      **({'enrolledAt': d['enrolledAt']} if d['enrolledAt'] >= 0 else {}),
                      **({'revokedAt': d['revokedAt']} if d['revokedAt'] is not None else {})})
             for d in fold.devices.values() if d['station'] == code)
        )  # fmt: skip
        want_def = sorted(dev_key({'id': x['id'], 'publicKey': x['publicKey']}) for x in el.d['devices'] if x['station'] == code)
        got_dev = sorted(dev_key(x) for x in r.get('devices') or [])
        if got_dev not in (want_fold, want_def):
            self.finding(f'station {code}: devices differ: {got_dev} vs {want_fold}')
        res = r.get('results')
        if not isinstance(res, dict):
            self.finding(f'station {code}: results is not an object')
            return
        takes_part = [cid for cid in el.contests if el.race_of(cid, code) is not None]
        if sorted(res) != sorted(takes_part):
            self.finding(f'station {code}: results lists contests {sorted(res)}, expected {sorted(takes_part)}')
        for cid in takes_part:
            mine = fold.results[cid].get(code)
            got = res.get(cid)
            self.compared += 1
            if isinstance(got, dict) and is_int(got.get('entryIndex')) and got['entryIndex'] >= n:
                self.warn(f'station {code} {cid}: served result (entry {got["entryIndex"]}) is ahead of the checkpoint')
                continue
            if isinstance(got, dict) and isinstance(got.get('correction'), dict) and 'approvals' in got['correction']:
                # §10.4: a writer adds the indexes of the correction's approvals
                c = fold.corrections.get(got['correction'].get('entryIndex'))
                want = c['approvalIndexes'] if c is not None else None
                if got['correction']['approvals'] != want:
                    self.finding(f'station {code} {cid}: correction approvals {got["correction"]["approvals"]} differ from recomputed {want}')
                got = {**got, 'correction': {k: v for k, v in got['correction'].items() if k != 'approvals'}}
            if got != mine:
                self.finding(f'station {code} {cid}: served result {json.dumps(got)} differs from recomputed {json.dumps(mine)}')

    def run(self) -> int:
        try:
            note, origin, size, root = self.checkpoint()
            if size == 0:
                self.fatal('checkpoint of an empty tree: there is no entry 0')
            entries = self.mirror(size, root)
            el = self.genesis(entries[0], origin)
            self.proofs(size, root)
            fold = Fold(el)
            for i, e in enumerate(entries):
                fold.apply(i, e)
            for i, kind, detail in fold.anomalies:
                self.finding(f'anomaly at entry {i}: {kind}: {detail}')
            counted = sum(len(x) for x in fold.results.values())
            flagged = [
                (r['entryIndex'], c, s, r['flags']) for c, rs in fold.results.items() for s, r in rs.items() if r['flags']
            ]
            self.say(f'fold: {size} entries, {counted} results counted, {len(fold.anomalies)} anomalies')
            if fold.acts:
                in_force = sum(1 for c in fold.corrections.values() if c['status'] == 'in-force')
                overrides = sum(1 for d in fold.declarations.values() if d['differences'])
                self.say(
                    f'officials (§14): {len(fold.acts)} acts by {len(fold.accounts)} accounts; '
                    f'{in_force} corrections in force; {len(fold.declarations)} declarations, {overrides} with an override'
                )
            for idx, c, s, f in sorted(flagged):
                self.say(f'  flagged: entry {idx} {c} at {s}: {", ".join(f)}')
            self.compared = 0
            pairs = [(c, u) for c in fold.tallies for u in fold.tallies[c]]
            nat = [p for p in pairs if p[1] == '']
            others = [p for p in pairs if p[1] != '']
            if len(others) > self.max_units:
                # the units with results first, then the rest, up to the limit
                others.sort(key=lambda p: fold.tallies[p[0]][p[1]]['lastEntry'] == -1)
                others = others[: self.max_units]
            for c, u in nat + others:
                self.compare_tally(fold, c, u, size)
            codes = [s['code'] for s in el.d['stations']]
            reported = {s for rs in fold.results.values() for s in rs}
            codes = [c for c in codes if c in reported] + [c for c in codes if c not in reported]
            for code in codes[: self.max_units]:
                self.compare_station(fold, code, size)
            for c in fold.tallies:
                t = fold.tallies[c].get('')
                if t:
                    if 'votes' in t:
                        counts = f'votes {json.dumps(t["votes"])}'
                    else:
                        counts = f'{t["races"]} races, party votes {json.dumps(t["partyVotes"])}'
                    self.say(
                        f'  {c}: {t["stationsReported"]}/{t["stationsExpected"]} stations, {counts}, '
                        f'rejected {t["rejected"]}, flagged {json.dumps(t["flagged"])}'
                    )
            self.say(f'compared {self.compared} tallies and station results with the server')
        except Verifier.Stop:
            pass
        print()
        print(f'SUMMARY: {len(self.findings)} finding(s), {len(self.warnings)} warning(s)')
        for f in self.findings:
            print(f'  FINDING: {f}')
        return 1 if self.findings else 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description='Independent verifier of a kura log (docs/FORMATS.md).')
    ap.add_argument('server')
    ap.add_argument('--log-key', required=True, help='the log verifier key (type 0x01)')
    ap.add_argument('--commission-key', help='the pinned commission verifier key (type 0x01)')
    ap.add_argument('--max-units', type=int, default=500, help='most unit tallies and stations to compare')
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        log_key = parse_vkey(args.log_key, 0x01)
        if args.commission_key is not None:
            parse_vkey(args.commission_key, 0x01)
        if not re.match(r'https?://', args.server):
            raise Unusable('server must be an http(s) URL')
        return Verifier(args.server, log_key, args.commission_key, args.max_units).run()
    except Refused as e:
        print(f'unusable input: {e}', file=sys.stderr)
        return 2
    except Unusable as e:
        print(f'unusable input: {e}', file=sys.stderr)
        return 2
    except Exception:  # a verifier bug or a response it cannot handle: never a pass
        import traceback

        traceback.print_exc()
        print('verifier error: the log was NOT verified', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
