// README.txt, the first member of every bundle: how to check it by hand.

export function readmeText(o: {
  electionId: string;
  logOrigin: string;
  logKey: string;
  treeSize: number;
  rootHash: string;
  createdAt: string;
}): string {
  return `kura preservation bundle (format kura-bundle/v1)
==================================================

Election  ${o.electionId}
Log       ${o.logOrigin}
Log key   ${o.logKey}
Entries   ${o.treeSize}
Root hash ${o.rootHash}  (base64)
Written   ${o.createdAt}

This file is a POSIX tar archive of the whole public record of one kura
election log: every entry, every hash tile, every signed checkpoint the
server stored (with any witness cosignatures), the scanned forms, the keys
and the election definition. The format is specified in docs/FORMATS.md,
section 13, of the kura repository.

Check it with kura (offline, nothing is fetched):

    kura verify-bundle THIS-FILE --commission-key '<the commission's published key>'
    kura verify-bundle THIS-FILE --checkpoint checkpoint-you-saw.txt

Serve it as a read-only mirror that \`kura verify <url>\` accepts:

    kura serve --from-bundle THIS-FILE

Check it by hand, without kura:

  1. tar -xf THIS-FILE  (any tar; the members are plain files)
  2. manifest.json lists every other member with its SHA-256 and length:
       sha256sum README.txt election/definition.json ...   must match it.
  3. election/entry0.json is entry 0 of the log; its "definitionSha256" is
     the SHA-256 of election/definition.json, and its "sig" is the
     commission's Ed25519 signature (docs/FORMATS.md section 5.2). Compare
     its commission key with the one the commission published.
  4. checkpoint and checkpoints/<size> are C2SP signed notes
     (c2sp.org/tlog-checkpoint) signed by keys/log.vkey, the log key entry 0
     names. Any other signature lines are witness cosignatures
     (c2sp.org/tlog-cosignature).
  5. tile/ is the log in C2SP tlog-tiles layout (c2sp.org/tlog-tiles): entry
     bundles under tile/entries/, hash tiles under tile/<level>/. The RFC 6962
     Merkle tree of the entries must have the root hash of every checkpoint
     at its size. Any tlog-tiles client can read the extracted directory as
     a static mirror (serve it over HTTP with the prefix /log/).
  6. Each entry is canonical JSON signed by a device key enrolled in the
     definition; forms/<sha256> is the scanned form whose SHA-256 a result
     entry carries in its "form" field.
  7. Re-run the tally fold (docs/FORMATS.md section 8) over the entries to
     recompute every tally.

A checkpoint you saw on election night (from the server, a newspaper, a
witness) must have the same root hash as the tree of this bundle's first
<its size> entries. If it does not, the log showed two histories (a fork),
and the two signed checkpoints prove it.
`;
}
