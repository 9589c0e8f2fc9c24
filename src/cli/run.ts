// Runs the CLI from the command line (bin/kura.js does the same from dist/).
import { main } from './main.js';

await main(process.argv.slice(2));
