#!/usr/bin/env node
import { runCli } from './cli/cli.js';

// The only place that exits the process: everything else returns an exit code.
process.exit(await runCli(process.argv.slice(2), process.env));
