import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ContractRecord, SchemaRecord } from '../api-client';
import { formatJson, formatKeyValues, formatTable } from '../output';
import {
  CliError,
  type CliRuntime,
  type CommandContext,
  commandContext,
  type GlobalOptions,
} from '../runtime';

/**
 * The schema and event-contract registry, as the original CLI v1 had it: `strm create schema REF
 * --definition FILE`, `strm create event-contract REF --schema REF --definition FILE`, and `list`, `get`,
 * `delete` for both. Versions are immutable; a schema a contract names, or a contract a stream masks, is
 * in use and cannot be deleted (the API says why).
 */

/** The verb command (`create`, `list`, `get`, `delete`) another module may have registered already. */
function verb(program: Command, name: string, description: string): Command {
  return (
    program.commands.find((command) => command.name() === name) ??
    program.command(name).description(description)
  );
}

function readDefinition(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${file} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** AVRO for an Avro record schema, JSONSCHEMA for a JSON Schema document, unless `--type` says. */
export function schemaTypeOf(definition: Record<string, unknown>, flag?: string): SchemaRecord['type'] {
  if (flag !== undefined) {
    const type = flag.toUpperCase().replace(/[-_]/g, '');
    if (type === 'AVRO' || type === 'JSONSCHEMA') return type;
    throw new CliError(`Invalid --type '${flag}': use AVRO or JSONSCHEMA`);
  }
  return definition.type === 'record' || 'fields' in definition ? 'AVRO' : 'JSONSCHEMA';
}

const schemaRows = (schemas: readonly SchemaRecord[]) =>
  formatTable(
    ['REF', 'TYPE'],
    schemas.map((schema) => [schema.ref, schema.type]),
  );

const contractRows = (contracts: readonly ContractRecord[]) =>
  formatTable(
    ['REF', 'SCHEMA', 'KEY FIELD', 'PII FIELDS'],
    contracts.map((c) => [
      c.ref,
      c.schemaRef ?? '',
      c.keyField,
      Object.entries(c.piiFields)
        .map(([field, level]) => `${field}:${level}`)
        .join(','),
    ]),
  );

function contractDetails(contract: ContractRecord): string {
  const pairs: [string, string][] = [
    ['ref', contract.ref],
    ['schema', contract.schemaRef ?? ''],
    ['key field', contract.keyField],
    [
      'pii fields',
      Object.entries(contract.piiFields)
        .map(([f, l]) => `${f}:${l}`)
        .join(','),
    ],
  ];
  for (const validation of contract.validations)
    pairs.push(['validation', `${validation.field} ~ ${validation.value}`]);
  if (contract.dataSubjectField) pairs.push(['data subject field', contract.dataSubjectField]);
  return formatKeyValues(pairs);
}

function run(runtime: CliRuntime, command: Command, body: (ctx: CommandContext) => Promise<void>) {
  const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
  return body(ctx);
}

export function registerRegistryCommands(program: Command, runtime: CliRuntime): void {
  const out = (ctx: CommandContext, value: unknown, table: () => string) =>
    runtime.stdout.write(ctx.output === 'json' ? formatJson(value) : table());

  verb(program, 'create', 'create an entity')
    .command('schema')
    .description('register an event schema version (Avro, or JSON Schema for JSON events)')
    .argument('<ref>', 'handle/name/version, e.g. acme/orders/1.0.0')
    .requiredOption('--definition <file>', 'the Avro schema (.avsc) or JSON Schema document')
    .option('--type <type>', 'AVRO or JSONSCHEMA (default: guessed from the definition)')
    .action((ref: string, options: { definition: string; type?: string }, command: Command) =>
      run(runtime, command, async (ctx) => {
        const definition = readDefinition(options.definition);
        const schema = { ref, type: schemaTypeOf(definition, options.type), definition };
        const created = await ctx.session.call((token) => ctx.api.createSchema(token, schema));
        out(ctx, created, () => `Created schema ${created.ref} (${created.type})\n`);
      }),
    );

  verb(program, 'create', 'create an entity')
    .command('event-contract')
    .description('register an event contract: key field, PII fields with consent levels, validations')
    .argument('<ref>', 'handle/name/version, e.g. acme/orders-contract/1.0.0')
    .requiredOption('--schema <ref>', 'the schema its events use')
    .requiredOption('--definition <file>', 'JSON: {keyField, piiFields, validations, dataSubjectField}')
    .action((ref: string, options: { schema: string; definition: string }, command: Command) =>
      run(runtime, command, async (ctx) => {
        const body = { ...readDefinition(options.definition), ref, schemaRef: options.schema };
        const created = await ctx.session.call((token) => ctx.api.createContract(token, body));
        out(ctx, created, () => `Created event contract ${created.ref} on schema ${created.schemaRef}\n`);
      }),
    );

  verb(program, 'list', 'list entities')
    .command('schemas')
    .description('the built-in schemas and your own')
    .action((_options: unknown, command: Command) =>
      run(runtime, command, async (ctx) => {
        const schemas = await ctx.session.call((token) => ctx.api.listSchemas(token));
        out(ctx, schemas, () => schemaRows(schemas));
      }),
    );

  verb(program, 'list', 'list entities')
    .command('event-contracts')
    .description('the built-in event contracts and your own')
    .action((_options: unknown, command: Command) =>
      run(runtime, command, async (ctx) => {
        const contracts = await ctx.session.call((token) => ctx.api.listContracts(token));
        out(ctx, contracts, () => contractRows(contracts));
      }),
    );

  verb(program, 'get', 'show one entity')
    .command('schema')
    .description('one schema with its definition')
    .argument('<ref>', 'handle/name/version (or clickstream)')
    .action((ref: string, _options: unknown, command: Command) =>
      run(runtime, command, async (ctx) => {
        const schema = await ctx.session.call((token) => ctx.api.getSchema(token, ref));
        out(
          ctx,
          schema,
          () =>
            `${formatKeyValues([
              ['ref', schema.ref],
              ['type', schema.type],
            ])}${formatJson(schema.definition)}`,
        );
      }),
    );

  verb(program, 'get', 'show one entity')
    .command('event-contract')
    .description('one event contract')
    .argument('<ref>', 'handle/name/version')
    .action((ref: string, _options: unknown, command: Command) =>
      run(runtime, command, async (ctx) => {
        const contract = await ctx.session.call((token) => ctx.api.getContract(token, ref));
        out(ctx, contract, () => contractDetails(contract));
      }),
    );

  for (const [noun, remove] of [
    ['schema', (ctx: CommandContext, token: string, ref: string) => ctx.api.deleteSchema(token, ref)],
    [
      'event-contract',
      (ctx: CommandContext, token: string, ref: string) => ctx.api.deleteContract(token, ref),
    ],
  ] as const) {
    verb(program, 'delete', 'delete an entity')
      .command(noun)
      .description(`delete one ${noun} version (not while it is in use)`)
      .argument('<ref>', 'handle/name/version')
      .action((ref: string, _options: unknown, command: Command) =>
        run(runtime, command, async (ctx) => {
          await ctx.session.call((token) => remove(ctx, token, ref));
          runtime.stdout.write(`Deleted ${noun} ${ref}\n`);
        }),
      );
  }
}
