#!/usr/bin/env node
// The CLI's bundle (scripts/bundle-cli.mjs, built with dist/ by `npm run build`): a few files to load instead
// of ≈ 600 modules (issue 20, CLI start-up).
import '../dist/cli-bundle/entry.js';
