#!/usr/bin/env node
'use strict';
// Runs the CLI's TypeScript source through @swc-node/register (no build step), from any working directory.
const { join } = require('node:path');

const repoRoot = join(__dirname, '..', '..', '..');
process.env.SWC_NODE_PROJECT = join(repoRoot, 'tsconfig.base.json');
process.setSourceMapsEnabled(true);
require('@swc-node/register');
require(join(__dirname, '..', 'src', 'main.ts'));
