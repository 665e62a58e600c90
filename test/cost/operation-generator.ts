/**
 * A seeded generator of operations over an audience's schema, for checking
 * the cost model against what execution really does: random selections with
 * aliases, the same field repeated (merged, under other conditions, under
 * more aliases), named fragments spread again and inline fragments,
 * `@skip`/`@include` (literal, by variable, by a defaulted variable left out,
 * given, or sent as null), `first` as a literal, a variable, a defaulted
 * variable or left out, `__typename`, and the audience's mutations. The
 * schemas have no interfaces or unions. Whether a document validates
 * (overlapping fields, shape limits) is for the caller to check: it skips
 * the ones that do not.
 */
import {
  getNamedType,
  isCompositeType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { createRandom, type Random } from '../../src/demo/random.js';

/** Ids the generated arguments pick from: known ones mostly, some unknown or someone else's. */
export interface GeneratorIds {
  products: readonly string[];
  /** Orders of the viewer and of others, and unknown ids. */
  orders: readonly string[];
  /** Notifications of the viewer and of others, and unknown ids. */
  notifications: readonly string[];
  categories: readonly string[];
}

export interface GeneratedOperation {
  query: string;
  variables: Record<string, unknown>;
  mutation: boolean;
  /** A variable is sent as null where a non-null value is needed: the answer may be 400 BAD_USER_INPUT. */
  sendsNull: boolean;
}

/** What one document may hold; kept under the gateway's default shape limits so most documents are admitted. */
const MAX_DEPTH = 9;
const MAX_ALIASES = 24;
const MAX_DIRECTIVES = 30;
const MAX_FRAGMENTS = 4;

class Builder {
  readonly variables: Record<string, unknown> = {};
  readonly definitions: string[] = [];
  readonly fragments: { name: string; type: string; body: string; depth: number }[] = [];
  aliases = 0;
  directives = 0;
  /** Whether a variable is sent as null where a non-null value is needed (its default does not apply then). */
  sendsNull = false;
  private counter = 0;
  /** The fragment being written: spreading it (or one it spreads) inside itself would be a cycle. */
  private readonly writing: string[] = [];

  constructor(
    readonly rng: Random,
    readonly ids: GeneratorIds,
  ) {}

  fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}${this.counter}`;
  }

  /** A variable of `type` holding `value` (left out of the variables when `omit`), its definition recorded. */
  variable(type: string, value: unknown, defaultValue?: string, omit = false): string {
    const name = this.fresh('v');
    this.definitions.push(`$${name}: ${type}${defaultValue === undefined ? '' : ` = ${defaultValue}`}`);
    if (!omit) this.variables[name] = value;
    return `$${name}`;
  }

  /** `@skip`/`@include`, literal or by variable, or nothing; the result is the directive text. */
  condition(): string {
    if (this.directives >= MAX_DIRECTIVES || !this.rng.chance(0.2)) return '';
    this.directives += 1;
    const directive = this.rng.pick(['skip', 'include']);
    const value = this.rng.chance(0.5);
    switch (this.rng.chance(0.04) ? 4 : this.rng.int(0, 3)) {
      case 4: // A defaulted variable sent as null where `Boolean!` is needed: an input error, never a 500.
        this.sendsNull = true;
        return ` @${directive}(if: ${this.variable('Boolean', null, String(value))})`;
      case 0:
        return ` @${directive}(if: ${value})`;
      case 1:
        return ` @${directive}(if: ${this.variable('Boolean!', value)})`;
      case 2: // A defaulted variable the request leaves out: its default decides.
        return ` @${directive}(if: ${this.variable('Boolean', undefined, String(value), true)})`;
      default: // A defaulted variable the request overrides.
        return ` @${directive}(if: ${this.variable('Boolean', value, String(!value))})`;
    }
  }

  /** `first:` as a literal, a variable (required, defaulted and left out, defaulted and given), or left out (the schema's default). */
  first(arg: GraphQLArgument): string | null {
    const size = this.rng.chance(0.85) ? this.rng.int(1, 6) : this.rng.pick([1, 10, 25, 100]);
    const hasDefault = arg.defaultValue !== undefined;
    switch (this.rng.int(0, hasDefault ? 4 : 3)) {
      case 0:
        return `first: ${size}`;
      case 1:
        return `first: ${this.variable('Int!', size)}`;
      case 2:
        return `first: ${this.variable('Int', undefined, String(size), true)}`;
      case 3:
        return `first: ${this.variable('Int', size, String(this.rng.int(1, 6)))}`;
      default:
        // Left out: the argument's own default. As a nullable variable that is never sent, too.
        return this.rng.chance(0.5) ? null : `first: ${this.variable('Int', undefined, undefined, true)}`;
    }
  }

  argumentText(parent: GraphQLObjectType, field: GraphQLField<unknown, unknown>): string | null {
    const parts: string[] = [];
    for (const arg of field.args) {
      const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
      if (arg.name === 'first') {
        const text = this.first(arg);
        if (text) parts.push(text);
        continue;
      }
      if (arg.name === 'id') {
        const pool = parent.name === 'Mutation' ? this.ids.notifications : field.name === 'order' ? this.ids.orders : this.ids.products;
        const id = this.rng.pick(pool);
        if (this.rng.chance(0.03)) {
          this.sendsNull = true;
          parts.push(`id: ${this.variable('ID', null, JSON.stringify(id))}`);
        } else {
          parts.push(this.rng.chance(0.3) ? `id: ${this.variable('ID!', id)}` : `id: ${JSON.stringify(id)}`);
        }
        continue;
      }
      if (arg.name === 'input' && field.name === 'placeOrder') {
        const lines = this.rng
          .sample(this.ids.products.slice(0, 40), this.rng.int(1, 4))
          .map((productId) => ({ productId, quantity: this.rng.int(1, 3) }));
        parts.push(`input: ${this.variable('PlaceOrderInput!', { idempotencyKey: this.fresh(`gen-key-${this.rng.int(0, 1e9)}-`), lines })}`);
        continue;
      }
      if (arg.name === 'categoryId' && this.rng.chance(0.3)) parts.push(`categoryId: ${JSON.stringify(this.rng.pick(this.ids.categories))}`);
      else if (arg.name === 'query' && this.rng.chance(0.2)) parts.push(`query: ${JSON.stringify(this.rng.pick(['a', 'e', 'pro', 'zz']))}`);
      else if (arg.name === 'unreadOnly' && this.rng.chance(0.4)) parts.push(`unreadOnly: ${this.rng.chance(0.5)}`);
      else if (required) return null;
    }
    return parts.length > 0 ? `(${parts.join(', ')})` : '';
  }

  /** A selection set on object type `type` at `depth` (the enclosing fields' count). */
  selection(type: GraphQLObjectType, depth: number): string {
    const fields = Object.values(type.getFields());
    const items: string[] = [];
    const count = this.rng.int(1, Math.min(4, fields.length));
    for (let i = 0; i < count; i += 1) {
      const roll = this.rng.next();
      if (roll < 0.08) {
        items.push('__typename');
      } else if (roll < 0.16 && this.directives < MAX_DIRECTIVES) {
        const inner = this.selection(type, depth);
        items.push(`...${this.rng.chance(0.5) ? ` on ${type.name}` : ''}${this.condition()} { ${inner} }`);
      } else if (roll < 0.24 && this.writing.length < 2) {
        items.push(this.spread(type, depth));
      } else {
        const field = this.rng.pick(fields);
        const text = this.field(type, field, depth);
        if (text) {
          items.push(text);
          // The same field again, merged with the first (same key, same arguments), sometimes under another condition.
          if (this.rng.chance(0.1)) items.push(text);
          else if (this.rng.chance(0.08)) items.push(this.recondition(text));
          // The same field under more aliases: each is resolved on its own.
          for (let more = this.rng.chance(0.12) ? this.rng.int(1, 4) : 0; more > 0 && this.aliases < MAX_ALIASES; more -= 1) {
            this.aliases += 1;
            items.push(`${this.fresh('a')}: ${text.replace(/^a\d+: /, '')}`);
          }
        }
      }
    }
    return items.length > 0 ? items.join(' ') : '__typename';
  }

  /** `text` (one field) with its own `@skip`/`@include` replaced by another condition, or none. */
  recondition(text: string): string {
    const open = text.indexOf(' {');
    const head = open < 0 ? text : text.slice(0, open);
    const rest = open < 0 ? '' : text.slice(open);
    return `${head.replace(/ @(skip|include)\(if: [^)]*\)$/, '')}${this.condition()}${rest}`;
  }

  /** A named fragment on `type` spread here: an existing one (again) or a new one. */
  spread(type: GraphQLObjectType, depth: number): string {
    const usable = this.fragments.filter((f) => f.type === type.name && !this.writing.includes(f.name) && depth + f.depth <= MAX_DEPTH);
    let name: string;
    if (usable.length > 0 && (this.fragments.length >= MAX_FRAGMENTS || this.rng.chance(0.5))) {
      name = this.rng.pick(usable).name;
    } else if (this.fragments.length < MAX_FRAGMENTS) {
      name = this.fresh('F');
      this.writing.push(name);
      const entry = { name, type: type.name, body: '', depth: 0 };
      this.fragments.push(entry);
      // Written for this depth: spread again only as deep or shallower, where it still fits the depth limit.
      entry.body = this.selection(type, depth);
      entry.depth = MAX_DEPTH - depth;
      this.writing.pop();
    } else {
      return '__typename';
    }
    return `...${name}${this.condition()}`;
  }

  field(parent: GraphQLObjectType, field: GraphQLField<unknown, unknown>, depth: number): string | null {
    const named = getNamedType(field.type);
    if (isCompositeType(named) && depth + 1 >= MAX_DEPTH) return null;
    const args = this.argumentText(parent, field);
    if (args === null) return null;
    let alias = '';
    if (this.aliases < MAX_ALIASES && this.rng.chance(args ? 0.35 : 0.15)) {
      this.aliases += 1;
      alias = `${this.fresh('a')}: `;
    }
    const directive = this.condition();
    if (!isCompositeType(named)) return `${alias}${field.name}${args}${directive}`;
    if (!isObjectType(named)) return null;
    const inner = this.selection(named, depth + 1);
    return `${alias}${field.name}${args}${directive} { ${inner} }`;
  }
}

/**
 * Operations for `schema`, endlessly (mutations on a schema that has them,
 * about one in eight). Deterministic: the same seed, schema and ids give the
 * same operations in the same order.
 */
export function* generateOperations(schema: GraphQLSchema, ids: GeneratorIds, seed: number): Generator<GeneratedOperation> {
  const rng = createRandom(seed);
  for (;;) {
    const b = new Builder(rng, ids);
    const mutationType = schema.getMutationType();
    const mutation = mutationType !== null && mutationType !== undefined && rng.chance(0.12);
    const root = mutation ? mutationType! : schema.getQueryType()!;
    const body = b.selection(root, 0);
    const vars = b.definitions.length > 0 ? `(${b.definitions.join(', ')})` : '';
    const fragments = b.fragments.map((f) => `fragment ${f.name} on ${f.type} { ${f.body} }`).join('\n');
    yield { query: `${mutation ? 'mutation' : 'query'} Generated${vars} { ${body} }\n${fragments}`, variables: b.variables, mutation, sendsNull: b.sendsNull };
  }
}
