import { LlamitaError } from '@llamita/core';

/** The JSON Schema subset {@link JsonConstraint} enforces. */
export interface JsonSchema {
  /** `object`, `array`, `string`, `integer`, `number`, `boolean` or `null`, or a list of them (`["string", "null"]`). */
  readonly type?: string | readonly string[];
  /** Object properties, by name. */
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  /** Property names that must appear. */
  readonly required?: readonly string[];
  /** Schema of every array item. */
  readonly items?: JsonSchema;
  /** Allowed values (any JSON values). */
  readonly enum?: readonly unknown[];
  /** Whether `null` is allowed too (OpenAPI style). */
  readonly nullable?: boolean;
}

/** A schema compiled for the parser. */
interface Node {
  readonly kind: 'any' | 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'enum';
  readonly nullable: boolean;
  readonly props?: ReadonlyMap<string, Node>;
  readonly required?: readonly string[];
  readonly items?: Node;
  /** For enums and literals: the JSON texts allowed. */
  readonly texts?: readonly string[];
}

const ANY: Node = { kind: 'any', nullable: true };

/**
 * Bounds on a schema {@link JsonConstraint.fromSchema} compiles: schemas come
 * from requests (strangers), and a schema nested thousands deep, with a
 * million enum values or referring to itself would otherwise exhaust the stack
 * or memory. Beyond them the schema is refused with `E_INVALID_ARGUMENT`.
 */
export const JSON_SCHEMA_LIMITS = {
  /** Schemas nested inside each other (properties, items). */
  depth: 64,
  /** Schemas, properties, required names and enum values in all. */
  entries: 10_000,
  /** Characters of all enum values' JSON texts together. */
  enumChars: 1 << 20,
} as const;

/** What compiling one schema has used of {@link JSON_SCHEMA_LIMITS}, and the schemas it is inside of (to catch a schema that contains itself). */
interface CompileBudget {
  entries: number;
  enumChars: number;
  readonly open: Set<object>;
}

function refuse(message: string): never {
  throw new LlamitaError('E_INVALID_ARGUMENT', `JSON schema: ${message}`);
}

function spend(budget: CompileBudget, entries: number): void {
  budget.entries += entries;
  if (budget.entries > JSON_SCHEMA_LIMITS.entries) refuse(`more than ${JSON_SCHEMA_LIMITS.entries} schemas, properties and enum values`);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function enumTexts(values: unknown, budget: CompileBudget): string[] {
  if (!Array.isArray(values)) refuse('"enum" is not a list');
  spend(budget, values.length);
  return values.map((v) => {
    let text: string | undefined;
    try {
      text = JSON.stringify(v);
    } catch {
      refuse('an enum value is not JSON (it contains itself)');
    }
    if (text === undefined) refuse('an enum value is not JSON');
    budget.enumChars += text.length;
    if (budget.enumChars > JSON_SCHEMA_LIMITS.enumChars) refuse(`enum values over ${JSON_SCHEMA_LIMITS.enumChars} characters in all`);
    return text;
  });
}

function compile(schema: unknown, budget: CompileBudget, depth: number): Node {
  if (schema === true) return ANY;
  if (!isRecord(schema)) refuse('a schema must be an object or true');
  if (depth > JSON_SCHEMA_LIMITS.depth) refuse(`schemas nested more than ${JSON_SCHEMA_LIMITS.depth} deep`);
  if (budget.open.has(schema)) refuse('a schema contains itself');
  if ('$ref' in schema) refuse('"$ref" is not supported');
  spend(budget, 1);
  budget.open.add(schema);
  try {
    return compileObject(schema as JsonSchema, budget, depth);
  } finally {
    budget.open.delete(schema);
  }
}

function compileObject(schema: JsonSchema, budget: CompileBudget, depth: number): Node {
  const type: unknown = schema.type;
  if (type !== undefined && typeof type !== 'string' && !isStringList(type)) refuse('"type" must be a string or a list of strings');
  const types = Array.isArray(type) ? type : type === undefined ? [] : [type];
  const nullable = schema.nullable === true || types.includes('null');
  if (schema.enum !== undefined) return { kind: 'enum', nullable, texts: enumTexts(schema.enum, budget) };
  const kind = types.find((t) => t !== 'null') ?? (schema.properties ? 'object' : schema.items ? 'array' : 'any');
  switch (kind) {
    case 'object': {
      if (schema.properties !== undefined && !isRecord(schema.properties)) refuse('"properties" must be an object');
      const required: unknown = schema.required ?? [];
      if (!isStringList(required)) refuse('"required" must be a list of strings');
      const entries = Object.entries(schema.properties ?? {});
      spend(budget, entries.length + required.length);
      const props = new Map(entries.map(([k, v]) => [k, compile(v, budget, depth + 1)]));
      for (const r of required) if (!props.has(r)) refuse(`required property "${r}" is not in properties`);
      return { kind: 'object', nullable, props: schema.properties ? props : undefined, required } as Node;
    }
    case 'array':
      return { kind: 'array', nullable, items: schema.items ? compile(schema.items, budget, depth + 1) : ANY };
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
    case 'any':
      return { kind, nullable };
    default:
      return refuse(`type "${kind}" is not supported`);
  }
}

/** Parser frames; the state is an immutable stack of them. */
type Frame =
  | { readonly k: 'value'; readonly node: Node }
  | { readonly k: 'alts'; readonly options: readonly string[]; readonly typed: string }
  | { readonly k: 'string'; readonly esc: number }
  | { readonly k: 'number'; readonly integer: boolean; readonly phase: 'sign' | 'zero' | 'int' | 'dot' | 'frac' | 'e' | 'esign' | 'exp' }
  | { readonly k: 'object'; readonly node: Node; readonly seen: readonly string[]; readonly phase: 'first' | 'key' | 'keyread' | 'colon' | 'value' | 'next'; readonly key?: string }
  | { readonly k: 'array'; readonly node: Node; readonly phase: 'first' | 'value' | 'next' }
  | { readonly k: 'done' };

type Stack = readonly Frame[];

const WS = ' \t\n\r';
const DIGIT = '0123456789';
const NUMBER_DONE = new Set(['zero', 'int', 'frac', 'exp']);

/** Property names an object may still take. */
function unseenKeys(f: Extract<Frame, { k: 'object' }>): string[] {
  return f.node.props ? [...f.node.props.keys()].filter((k) => !f.seen.includes(k)) : [];
}

const requiredDone = (f: Extract<Frame, { k: 'object' }>) => (f.node.required ?? []).every((r) => f.seen.includes(r));

/** The frame that starts a value of `node` with `ch`, or undefined when `ch` cannot start one. */
function startValue(node: Node, ch: string): Frame | undefined {
  const nullAlt = node.nullable ? ['null'] : [];
  if (node.kind === 'enum') return alts([...node.texts!, ...nullAlt], ch);
  if (ch === 'n' && node.nullable) return { k: 'alts', options: ['null'], typed: 'n' };
  const any = node.kind === 'any';
  if (ch === '{' && (any || node.kind === 'object')) return { k: 'object', node: any ? { kind: 'object', nullable: true, required: [] } : node, seen: [], phase: 'first' };
  if (ch === '[' && (any || node.kind === 'array')) return { k: 'array', node: any ? { kind: 'array', nullable: true, items: ANY } : node, phase: 'first' };
  if (ch === '"' && (any || node.kind === 'string')) return { k: 'string', esc: 0 };
  if ((ch === '-' || DIGIT.includes(ch)) && (any || node.kind === 'integer' || node.kind === 'number')) {
    return { k: 'number', integer: node.kind === 'integer', phase: ch === '-' ? 'sign' : ch === '0' ? 'zero' : 'int' };
  }
  if (any || node.kind === 'boolean') return alts(['true', 'false', ...(any ? ['null'] : [])], ch);
  return undefined;
}

function alts(options: readonly string[], ch: string): Frame | undefined {
  const left = options.filter((o) => o.startsWith(ch));
  return left.length ? { k: 'alts', options: left, typed: ch } : undefined;
}

/** Tells the frame below a finished child that it is done (`text`: what an alts child typed). */
function childDone(stack: Stack, text?: string): Stack {
  const parent = stack[stack.length - 1]!;
  const rest = stack.slice(0, -1);
  switch (parent.k) {
    case 'object':
      if (parent.phase === 'keyread') return [...rest, { ...parent, phase: 'colon', key: text === undefined ? '' : (JSON.parse(text) as string) }];
      return [...rest, { ...parent, phase: 'next' }];
    case 'array':
      return [...rest, { ...parent, phase: 'next' }];
    default:
      return [...rest, parent];
  }
}

/** Feeds one character; returns the new stack, or undefined when the document cannot continue with it. */
function feed(stack: Stack, ch: string): Stack | undefined {
  const top = stack[stack.length - 1];
  if (!top) return undefined;
  const below = stack.slice(0, -1);
  switch (top.k) {
    case 'done':
      return WS.includes(ch) ? stack : undefined;
    case 'value': {
      if (WS.includes(ch)) return stack;
      const f = startValue(top.node, ch);
      return f ? [...below, f] : undefined;
    }
    case 'alts': {
      const typed = top.typed + ch;
      const left = top.options.filter((o) => o.startsWith(typed));
      if (left.length) {
        // finished the moment it can go no further (a closing quote, "true"...)
        if (left.length === 1 && left[0] === typed) return childDone(below, typed);
        return [...below, { ...top, options: left, typed }];
      }
      if (top.options.includes(top.typed)) return feed(childDone(below, top.typed), ch);
      return undefined;
    }
    case 'string': {
      if (top.esc === 1) return '"\\/bfnrtu'.includes(ch) ? [...below, { k: 'string', esc: ch === 'u' ? 2 : 0 }] : undefined;
      if (top.esc >= 2) return /[0-9a-fA-F]/.test(ch) ? [...below, { k: 'string', esc: top.esc === 5 ? 0 : top.esc + 1 }] : undefined;
      if (ch === '"') return childDone(below);
      if (ch === '\\') return [...below, { k: 'string', esc: 1 }];
      return ch < ' ' ? undefined : stack;
    }
    case 'number': {
      const p = top.phase;
      const next = (phase: typeof p): Stack => [...below, { ...top, phase }];
      if (DIGIT.includes(ch)) {
        if (p === 'sign') return next(ch === '0' ? 'zero' : 'int');
        if (p === 'zero') return undefined;
        if (p === 'int' || p === 'frac' || p === 'exp') return stack;
        if (p === 'dot') return next('frac');
        return next('exp');
      }
      if (ch === '.' && !top.integer && (p === 'zero' || p === 'int')) return next('dot');
      if ((ch === 'e' || ch === 'E') && !top.integer && (p === 'zero' || p === 'int' || p === 'frac')) return next('e');
      if ((ch === '+' || ch === '-') && p === 'e') return next('esign');
      return NUMBER_DONE.has(p) ? feed(childDone(below), ch) : undefined;
    }
    case 'object': {
      if (WS.includes(ch)) return top.phase === 'keyread' || top.phase === 'value' ? undefined : stack;
      if (top.phase === 'first' || top.phase === 'key') {
        if (ch === '}' && top.phase === 'first' && requiredDone(top)) return childDone(below);
        if (ch !== '"') return undefined;
        if (!top.node.props) return [...below, { ...top, phase: 'keyread' }, { k: 'string', esc: 0 }];
        const keys = unseenKeys(top).map((k) => JSON.stringify(k));
        return keys.length ? [...below, { ...top, phase: 'keyread' }, { k: 'alts', options: keys, typed: '"' }] : undefined;
      }
      if (top.phase === 'colon') {
        if (ch !== ':') return undefined;
        const node = top.node.props?.get(top.key ?? '') ?? ANY;
        return [...below, { ...top, phase: 'value', seen: [...top.seen, top.key ?? ''] }, { k: 'value', node }];
      }
      if (top.phase === 'next') {
        if (ch === ',') return top.node.props && unseenKeys(top).length === 0 ? undefined : [...below, { ...top, phase: 'key' }];
        if (ch === '}' && requiredDone(top)) return childDone(below);
      }
      return undefined;
    }
    case 'array': {
      if (WS.includes(ch)) return stack;
      if (top.phase === 'first' && ch === ']') return childDone(below);
      if (top.phase === 'next') {
        if (ch === ']') return childDone(below);
        return ch === ',' ? [...below, { ...top, phase: 'value' }, { k: 'value', node: top.node.items! }] : undefined;
      }
      if (top.phase === 'first') {
        const f = startValue(top.node.items!, ch);
        return f ? [...below, { ...top, phase: 'value' }, f] : undefined;
      }
      return undefined;
    }
  }
}

/** The shortest JSON text for a value of `node`. */
function minimalValue(node: Node): string {
  if (node.nullable && node.kind !== 'enum') return 'null';
  switch (node.kind) {
    case 'enum':
      return [...node.texts!].sort((a, b) => a.length - b.length)[0] ?? 'null';
    case 'object':
      return `{${(node.required ?? []).map((r) => `${JSON.stringify(r)}:${minimalValue(node.props!.get(r)!)}`).join(',')}}`;
    case 'array':
      return '[]';
    case 'string':
      return '""';
    case 'boolean':
      return 'false';
    default:
      return '0';
  }
}

/**
 * Incremental, character-level validation of a JSON document against a JSON
 * Schema subset (object with properties and required, array with items,
 * string, integer, number, boolean, enum, nullable), or any JSON (`true`).
 * Immutable: {@link JsonConstraint.advance} returns a new constraint.
 */
export class JsonConstraint {
  private constructor(private readonly stack: Stack) {}

  /**
   * A constraint at the start of a document.
   * @throws LlamitaError `E_INVALID_ARGUMENT` for schema features outside the subset, malformed schemas and schemas beyond {@link JSON_SCHEMA_LIMITS}.
   */
  static fromSchema(schema: JsonSchema | true): JsonConstraint {
    return new JsonConstraint([{ k: 'done' }, { k: 'value', node: compile(schema, { entries: 0, enumChars: 0, open: new Set() }, 0) }]);
  }

  /** The constraint after `text`, or undefined when the document cannot continue so. */
  advance(text: string): JsonConstraint | undefined {
    let s: Stack | undefined = this.stack;
    for (const ch of text) {
      s = feed(s, ch);
      if (!s) return undefined;
    }
    return new JsonConstraint(s);
  }

  /** Whether `text` can continue the document. */
  allows(text: string): boolean {
    return this.advance(text) !== undefined;
  }

  /**
   * Whether the document is inside a string with no pending escape: any text
   * without `"`, `\` or control characters continues it unchanged.
   */
  get inPlainString(): boolean {
    const top = this.stack[this.stack.length - 1]!;
    return top.k === 'string' && top.esc === 0;
  }

  /** Whether the document is complete (a number may still grow, but need not). */
  get complete(): boolean {
    const top = this.stack[this.stack.length - 1]!;
    if (top.k === 'done') return true;
    if (this.stack.length === 2 && top.k === 'number') return NUMBER_DONE.has(top.phase);
    if (this.stack.length === 2 && top.k === 'alts') return top.options.includes(top.typed);
    return false;
  }

  /** The shortest text that completes the document from here. */
  closingText(): string {
    let out = '';
    let keyBeingRead = ''; // the key an unfinished key string will end up as
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const f = this.stack[i]!;
      switch (f.k) {
        case 'value':
          out += minimalValue(f.node);
          break;
        case 'alts': {
          const option = [...f.options].sort((a, b) => a.length - b.length)[0]!;
          out += option.slice(f.typed.length);
          if (option.startsWith('"')) keyBeingRead = JSON.parse(option) as string;
          break;
        }
        case 'string':
          out += (f.esc === 1 ? 'n' : f.esc >= 2 ? '0'.repeat(6 - f.esc) : '') + '"';
          break;
        case 'number':
          out += NUMBER_DONE.has(f.phase) ? '' : '0';
          break;
        case 'object': {
          const current = f.phase === 'keyread' ? keyBeingRead : f.key;
          const missing = (f.node.required ?? []).filter((r) => !f.seen.includes(r) && r !== current);
          const fill = (keys: string[]) => keys.map((r) => `${JSON.stringify(r)}:${minimalValue(f.node.props!.get(r)!)}`).join(',');
          if (f.phase === 'keyread') out += `:${minimalValue(f.node.props?.get(current ?? '') ?? ANY)}${missing.length ? `,${fill(missing)}` : ''}}`;
          else if (f.phase === 'colon') out += `:${minimalValue(f.node.props?.get(f.key ?? '') ?? ANY)}${missing.length ? `,${fill(missing)}` : ''}}`;
          else if (f.phase === 'key') out += missing.length ? `${fill(missing)}}` : f.node.props ? `${fill([unseenKeys(f)[0]!])}}` : '"":null}';
          else if (f.phase === 'first') out += `${fill(missing)}}`;
          else out += `${missing.length ? `,${fill(missing)}` : ''}}`;
          break;
        }
        case 'array':
          out += ']';
          break;
        case 'done':
          break;
      }
    }
    return out;
  }
}
