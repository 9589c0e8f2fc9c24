import { generateKey } from '../../log/note.js';
import { writeDurable } from '../../platform/durable-write.js';
import { parse, requireOption } from '../usage.js';

const HELP = `
kura keygen --name NAME [--out FILE]

Makes an Ed25519 key pair in the C2SP signed-note formats. Prints the verifier
key. With --out, the signer key goes to FILE (mode 0600) and the verifier key to
FILE.vkey; without it, both are printed.

  --name NAME   the key's name (the signed-note key name, e.g. the log's origin)
  --out FILE    write the signer key to FILE and the verifier key to FILE.vkey`;

export async function runKeygen(args: string[]): Promise<number> {
  const a = parse(args, { name: { type: 'string' }, out: { type: 'string' } }, HELP);
  if (!a) return 0;
  const key = generateKey(requireOption(a.values.name, 'name'));
  if (a.values.out) {
    await writeDurable(a.values.out, `${key.signerKey}\n`, 0o600);
    await writeDurable(`${a.values.out}.vkey`, `${key.verifierKey}\n`);
    process.stdout.write(`${key.verifierKey}\n`);
  } else {
    process.stdout.write(
      `signer key (secret):  ${key.signerKey}\nverifier key:         ${key.verifierKey}\n`,
    );
  }
  return 0;
}
