import { Environment, Interpreter } from '@huggingface/jinja';
import { LlamitaError } from '@llamita/core';

/**
 * The bounds a chat template renders within. Templates come from model files
 * (strangers' code): a loop over `range(10**9)`, a string doubled in a loop, a
 * macro calling itself, all stop here with `E_BAD_FILE` instead of hanging the
 * process or filling its memory. Real templates use a few thousand steps.
 */
export const CHAT_TEMPLATE_LIMITS = {
  /** Expressions and statements evaluated in one rendering. */
  steps: 500_000,
  /** Evaluations nested inside each other (macro recursion, deep expressions). */
  depth: 500,
  /** Items in any list the template builds (`range` included). */
  listItems: 100_000,
  /** Characters of any one string, at least; with longer messages, 8 characters for each of theirs. */
  stringChars: 1 << 20,
  /** Wall-clock time of one rendering, a backstop for steps that are each slow. */
  milliseconds: 5_000,
  /** Largest literal width of the padding filters (`indent`, `tojson(indent=)`). */
  paddingWidth: 64,
} as const;

/** Characters a string may have while rendering these messages: room for all of them several times over. */
function stringCharsFor(inputChars: number): number {
  return Math.max(CHAT_TEMPLATE_LIMITS.stringChars, 8 * inputChars);
}

/** A runtime value as the interpreter hands it back (its classes are not exported). */
interface RuntimeValue {
  readonly type: string;
  readonly value: unknown;
}

/** The AST node shape the static check walks (any node of the parsed template). */
interface Node {
  readonly type?: string;
  readonly [key: string]: unknown;
}

function exceeded(what: string): never {
  throw new LlamitaError('E_BAD_FILE', `chat template refused: ${what}`);
}

/**
 * Filters that repeat padding by a number argument (`" ".repeat(width)` per
 * line): one call could build a string of V8's maximum length before any
 * check after it runs, so their widths must be small literals.
 */
const PADDING_FILTERS = new Set(['indent', 'tojson']);
const CONSTANT_NAMES = new Set(['true', 'false', 'True', 'False', 'none', 'None']);

function checkPaddingArgument(arg: Node, filter: string): void {
  const value = arg.type === 'KeywordArgumentExpression' ? (arg['value'] as Node) : arg;
  if (value.type === 'IntegerLiteral' || value.type === 'FloatLiteral') {
    if (Math.abs(value['value'] as number) > CHAT_TEMPLATE_LIMITS.paddingWidth) exceeded(`the ${filter} filter's width is over ${CHAT_TEMPLATE_LIMITS.paddingWidth}`);
    return;
  }
  const literal = value.type === 'BooleanLiteral' || value.type === 'StringLiteral' || value.type === 'NullLiteral';
  if (!literal && !(value.type === 'Identifier' && CONSTANT_NAMES.has(value['value'] as string))) exceeded(`the ${filter} filter takes literal arguments only`);
}

/** Walks the parsed template once, before rendering, for padding filters with computed or wide widths. */
function checkTemplateStatically(root: unknown): void {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      pending.push(...(node as unknown[]));
      continue;
    }
    const n = node as Node;
    if (n.type === 'FilterExpression' || n.type === 'FilterStatement') {
      const filter = n['filter'] as Node;
      const callee = filter.type === 'CallExpression' ? (filter['callee'] as Node) : undefined;
      const name = callee?.type === 'Identifier' ? (callee['value'] as string) : undefined;
      if (name !== undefined && PADDING_FILTERS.has(name)) for (const arg of filter['args'] as Node[]) checkPaddingArgument(arg, name);
    }
    for (const child of Object.values(n)) if (typeof child === 'object') pending.push(child);
  }
}

/** An interpreter that counts its work and checks every value it makes against {@link CHAT_TEMPLATE_LIMITS}. */
class BoundedInterpreter extends Interpreter {
  private steps = 0;
  private depth = 0;
  private readonly deadline = Date.now() + CHAT_TEMPLATE_LIMITS.milliseconds;

  constructor(
    env: Environment,
    private readonly stringChars: number,
  ) {
    super(env);
  }

  /** Counts one unit of work: an evaluation or a block run (a loop's iteration, even with an empty body). */
  step(): void {
    if (++this.steps > CHAT_TEMPLATE_LIMITS.steps) exceeded(`more than ${CHAT_TEMPLATE_LIMITS.steps} steps`);
    if ((this.steps & 1023) === 0 && Date.now() > this.deadline) exceeded(`rendering took over ${CHAT_TEMPLATE_LIMITS.milliseconds} ms`);
  }

  override evaluate(...args: Parameters<Interpreter['evaluate']>): ReturnType<Interpreter['evaluate']> {
    this.step();
    if (++this.depth > CHAT_TEMPLATE_LIMITS.depth) exceeded(`evaluations nested over ${CHAT_TEMPLATE_LIMITS.depth} deep (recursion)`);
    try {
      const result = super.evaluate(...args);
      this.check(result as RuntimeValue);
      return result;
    } finally {
      this.depth--;
    }
  }

  private check(result: RuntimeValue): void {
    if (result.type === 'StringValue' && (result.value as string).length > this.stringChars) exceeded(`a string of over ${this.stringChars} characters`);
    if (result.type === 'ArrayValue' && (result.value as unknown[]).length > CHAT_TEMPLATE_LIMITS.listItems) exceeded(`a list of over ${CHAT_TEMPLATE_LIMITS.listItems} items`);
  }
}

/** The interpreter's block runner, private in its typings. */
interface BlockRunner {
  evaluateBlock(this: BoundedInterpreter, ...args: unknown[]): unknown;
}
const runBlock = (Interpreter.prototype as unknown as BlockRunner).evaluateBlock;
// a loop calls evaluateBlock once per item and evaluate only for its body's statements: nested loops with empty bodies would run uncounted
(BoundedInterpreter.prototype as unknown as BlockRunner).evaluateBlock = function (this: BoundedInterpreter, ...args: unknown[]) {
  this.step();
  return runBlock.apply(this, args);
};

/** Python's `range`, refusing lists longer than the bound before making them. */
function boundedRange(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new Error('range() step must not be zero');
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (!Number.isFinite(count) || count > CHAT_TEMPLATE_LIMITS.listItems) exceeded(`range() of over ${CHAT_TEMPLATE_LIMITS.listItems} items`);
  return Array.from({ length: count }, (_, i) => start + i * step);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** transformers' `strftime_now`: today's date in the common `strftime` fields (English names, as Python's C locale). */
function strftimeNow(format: string): string {
  const now = new Date();
  const pad2 = (n: number) => String(n).padStart(2, '0');
  const fields: Record<string, string> = {
    Y: String(now.getFullYear()),
    m: pad2(now.getMonth() + 1),
    d: pad2(now.getDate()),
    B: MONTHS[now.getMonth()]!,
    b: MONTHS[now.getMonth()]!.slice(0, 3),
    H: pad2(now.getHours()),
    M: pad2(now.getMinutes()),
    '%': '%',
  };
  return format.replace(/%([YmdBbHM%])/g, (_, f: string) => fields[f]!);
}

/** The globals transformers gives chat templates, with `range` bounded. */
function globalEnvironment(): Environment {
  const env = new Environment();
  for (const [name, value] of Object.entries({ true: true, false: false, none: null, True: true, False: false, None: null })) env.set(name, value);
  env.set('raise_exception', (message: string) => {
    throw new Error(message);
  });
  env.set('range', boundedRange);
  env.set('strftime_now', strftimeNow);
  return env;
}

/**
 * Runs a parsed template with `items` as its variables inside the bounds.
 * `inputChars` (the messages' length) scales the string bound so long conversations still render.
 * @throws LlamitaError `E_BAD_FILE` when the template exceeds a bound; whatever the template itself throws otherwise.
 */
export function renderBounded(program: unknown, items: Record<string, unknown>, inputChars: number): string {
  checkTemplateStatically(program);
  const env = globalEnvironment();
  for (const [key, value] of Object.entries(items)) env.set(key, value);
  const interpreter = new BoundedInterpreter(env, stringCharsFor(inputChars));
  return (interpreter.run(program as Parameters<Interpreter['run']>[0]) as RuntimeValue).value as string;
}
