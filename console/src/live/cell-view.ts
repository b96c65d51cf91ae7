import type { ConsentRule } from '../../../lambdas/core/consent';
import { displayPath, displayValue, fieldValue, looksLikeCiphertext, type StreamEvent } from './event-fields';
import { exclusionReason } from './exclusion';
import type { LiveRow } from './live-table';

/**
 * What one cell of the live view says: a stream's copy of an event with each PII field marked clear or
 * ciphertext, or why the stream has no copy (excluded by its consent rule, still on its way, or missing).
 * Marks come from the data, not from the rule: a derived value equal to the source's ciphertext is still
 * ciphertext, anything else was decrypted (or masked).
 */

export interface ContractFields {
  ref: string;
  keyField: string;
  piiFields: Readonly<Record<string, number>>;
}

export interface LiveColumn {
  stream: string;
  /** Derived streams only. */
  rule?: ConsentRule;
  /** Field paths the stream masks, by contract ref. */
  maskedFields?: Readonly<Record<string, readonly string[]>>;
}

export type FieldState = 'clear' | 'ciphertext' | 'masked' | 'absent';

export interface FieldView {
  path: string;
  label: string;
  level: number;
  value: string;
  state: FieldState;
}

export type CellView =
  | { status: 'received'; fields: FieldView[]; unexpected?: string }
  | { status: 'excluded'; reason: string }
  | { status: 'pending' }
  | { status: 'missing' };

/** How long a stream may lag behind the first copy of an event before its copy counts as missing. */
export const MISSING_AFTER_MS = 15_000;

function fieldState(
  value: unknown,
  sourceValue: unknown,
  column: LiveColumn,
  path: string,
  contractRef: string,
): FieldState {
  if (value === undefined) return 'absent';
  if (column.rule === undefined) return looksLikeCiphertext(value) ? 'ciphertext' : 'clear';
  if (sourceValue !== undefined && value === sourceValue) return 'ciphertext';
  if (column.maskedFields?.[contractRef]?.includes(path)) return 'masked';
  if (sourceValue === undefined && looksLikeCiphertext(value)) return 'ciphertext';
  return 'clear';
}

function fieldsOf(
  event: StreamEvent,
  source: StreamEvent | undefined,
  column: LiveColumn,
  contract: ContractFields,
): FieldView[] {
  return Object.entries(contract.piiFields)
    .sort(([a, la], [b, lb]) => la - lb || a.localeCompare(b))
    .map(([path, level]) => {
      const value = fieldValue(event, path);
      const sourceValue = source ? fieldValue(source, path) : undefined;
      return {
        path,
        label: displayPath(path),
        level,
        value: displayValue(value),
        state: fieldState(value, sourceValue, column, path, contract.ref),
      };
    });
}

/** The cell of `column` in `row`; `source` names the source stream's column. */
export function cellView(
  row: LiveRow,
  column: LiveColumn,
  source: string,
  contract: ContractFields | undefined,
  nowMs: number,
): CellView {
  const event = row.events.get(column.stream);
  const reason = column.rule ? exclusionReason(column.rule, row.meta.consentLevels) : undefined;
  if (event) {
    const fields = contract ? fieldsOf(event, row.events.get(source), column, contract) : [];
    // The consent rule says this stream should not have the event: show it, and say so.
    return reason === undefined
      ? { status: 'received', fields }
      : { status: 'received', fields, unexpected: reason };
  }
  if (reason !== undefined) return { status: 'excluded', reason };
  return nowMs - row.firstSeenMs > MISSING_AFTER_MS ? { status: 'missing' } : { status: 'pending' };
}
