// Regenerates deploy/nginx/kura-front.conf, the front of the several-machine
// layout (docs/DEPLOY.md), from the template kura cluster uses. Run from the
// repository root:
//   npx tsx scripts/render-deploy.ts
// test/cluster/front-config.test.ts fails while the file and the template differ.
import { writeFileSync } from 'node:fs';
import { EXAMPLE_FRONT, renderFrontConfig } from '../src/cluster/nginx-front.js';

export const EXAMPLE_FRONT_FILE = 'deploy/nginx/kura-front.conf';

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(EXAMPLE_FRONT_FILE, renderFrontConfig(EXAMPLE_FRONT));
  console.log(`wrote ${EXAMPLE_FRONT_FILE}`);
}
