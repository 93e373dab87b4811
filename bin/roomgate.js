#!/usr/bin/env node
// The CLI runs straight from the TypeScript sources through tsx's loader, so a
// fresh clone needs no build step: `npm ci && npx roomgate run` just works.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
