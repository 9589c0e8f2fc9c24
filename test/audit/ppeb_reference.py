#!/usr/bin/env python3
"""An independent reimplementation of kura's batch draw ("kura-ppeb-v1" and
Arlo's ticket rule), written from the specification in src/audit/batch-draw.ts
with the standard library only, to check the TypeScript against.

Reads JSON from stdin: {"seed": str, "batches": [[id, weight], ...], "draws": n}
and prints JSON: [{"draw": k, "id": id, "ticket": ticket}, ...] for k = 1..n.
Python floats are IEEE-754 binary64, so the sums and the product round as the
specification says.
"""

import hashlib
import json
import sys


def sha256_uniform(s: str) -> str:
    n = int.from_bytes(hashlib.sha256(s.encode('utf-8')).digest(), 'big')
    return '0.' + str(n).zfill(64)[::-1]


def leading_nines_end(x: str) -> int:
    i = 2
    while i < len(x) and x[i] == '9':
        i += 1
    return i


def next_fraction(x: str) -> str:
    x0 = x + '0'
    keep = x0[:leading_nines_end(x0)]
    i = 1
    while True:
        y = keep + sha256_uniform(x + ':' + str(i))[2:]
        if y > x0:
            return y
        i += 1


def trim(x: str, digits: int) -> str:
    return x[:leading_nines_end(x + '0') + digits]


def draw(seed: str, batches: list, count: int) -> list:
    sums = []
    total = 0.0
    for _, weight in batches:
        total = total + float(weight)
        sums.append(total)
    seed_hash = hashlib.sha256(seed.encode('utf-8')).hexdigest()
    last_ticket = {}
    out = []
    for k in range(1, count + 1):
        h = hashlib.sha256(('kura-ppeb-v1:' + seed + ':' + str(k)).encode('utf-8')).digest()
        m = int.from_bytes(h[:8], 'big') >> 11
        t = (m / 2**53) * total
        p = next(i for i, s in enumerate(sums) if s > t)
        batch_id = batches[p][0]
        if batch_id in last_ticket:
            ticket = trim(next_fraction(last_ticket[batch_id]), 18)
        else:
            ticket = trim(sha256_uniform(seed_hash + batch_id), 18)
        last_ticket[batch_id] = ticket
        out.append({'draw': k, 'id': batch_id, 'ticket': ticket})
    return out


if __name__ == '__main__':
    sys.dont_write_bytecode = True
    request = json.load(sys.stdin)
    json.dump(draw(request['seed'], request['batches'], request['draws']), sys.stdout)
