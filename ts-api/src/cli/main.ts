#!/usr/bin/env node
/* slipctl: command line front end of the slipway TypeScript library (program.ts composes the commands). */
import { runCli } from './errors';
import { buildProgram } from './program';

void runCli(buildProgram(), process.argv);
