#!/usr/bin/env node
import { LlamitaError } from '@llamita/core';
import { UsageError } from './cli-error.js';
import { perplexityCommand, perplexityHelp, scoreCommand, scoreHelp } from './commands/perplexity.js';
import { bench, benchHelp } from './commands/bench.js';
import { chat, chatHelp } from './commands/chat.js';
import { evalCommand, evalHelp } from './commands/eval.js';
import { makeModel, makeModelHelp } from './commands/make-model.js';
import { run, runHelp } from './commands/run.js';
import { serve, serveHelp } from './commands/serve.js';
import { tokenize, tokenizeHelp } from './commands/tokenize.js';
import { enableRelaxedSimd } from './relaxed-simd.js';

interface Command {
  readonly summary: string;
  readonly help?: string;
  readonly action?: (argv: string[]) => Promise<void>;
}

/** Every command the CLI will have; those without an action are not built yet. */
const COMMANDS: Record<string, Command> = {
  run: { summary: 'generate text from a prompt', help: runHelp, action: run },
  chat: { summary: "interactive chat in the model's chat template", help: chatHelp, action: chat },
  tokenize: { summary: 'print the token ids of a text', help: tokenizeHelp, action: tokenize },
  perplexity: { summary: "perplexity of a text file, as llama.cpp's tool computes it", help: perplexityHelp, action: perplexityCommand },
  score: { summary: 'teacher-forced log-probabilities of a text', help: scoreHelp, action: scoreCommand },
  bench: { summary: 'prefill and decode speed', help: benchHelp, action: bench },
  eval: { summary: 'commonsense benchmarks scored as lm-evaluation-harness scores them', help: evalHelp, action: evalCommand },
  serve: { summary: 'an OpenAI-compatible HTTP server', help: serveHelp, action: serve },
  'make-model': { summary: 'write a synthetic Llama GGUF with seeded random weights', help: makeModelHelp, action: makeModel },
};

const usage = `llamita: run Llama-family models locally

usage: llamita <command> [options]    (llamita <command> --help for details)

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)}${c.summary}${c.action ? '' : ' (not implemented yet)'}`)
  .join('\n')}`;

async function main(argv: string[]): Promise<number> {
  enableRelaxedSimd();
  // a reader that went away (`llamita run | head`) ends the program quietly, as it does other Unix tools
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"\n\n${usage}`);
  if (!command.action) {
    process.stderr.write(`llamita ${name}: not implemented yet\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help ?? command.summary}\n`);
    return 0;
  }
  await command.action(rest);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`llamita: ${(error as Error).message}\n`);
      process.exitCode = 2;
    } else if (LlamitaError.is(error)) {
      process.stderr.write(`llamita: error [${error.code}]: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`llamita: internal error: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 70;
    }
  },
);
