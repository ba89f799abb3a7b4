#!/usr/bin/env node
// Entry point of the `cds` command. The sources are TypeScript run through tsx's loader,
// so there is no build step between a checkout and a running gateway.
import { register } from 'tsx/esm/api';

register();
await import('./cds.ts');
