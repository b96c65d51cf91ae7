import {
  type CellView,
  cellView,
  type LiveColumn,
  MISSING_AFTER_MS,
} from '../../../console/src/live/cell-view';
import { LiveTable } from '../../../console/src/live/live-table';
import { parseConsentRule } from '../../../lambdas/core/consent';
import { pipelineEvents } from '../../support/console-pipeline';
import { clickstreamEvent } from '../../support/factories';

/** The live view's cells over events made by the pipeline's own seal and derive functions. */

const RULES = { 'winston-0': parseConsentRule([0]), 'winston-1': parseConsentRule([1]) };
const COLUMNS: LiveColumn[] = [
  { stream: 'winston' },
  { stream: 'winston-0', rule: RULES['winston-0'] },
  { stream: 'winston-1', rule: RULES['winston-1'] },
];

/** One event through the pipeline, every copy the consent rules produce added to a live table. */
function rowOf(consentLevels: number[], opts: { skip?: string[] } = {}) {
  const { source, derived, contract } = pipelineEvents(
    clickstreamEvent({ strmMeta: { consentLevels }, producerSessionId: 'session-7' }),
    RULES,
  );
  const table = new LiveTable({ maxRows: 10 });
  if (!opts.skip?.includes('winston')) table.add('winston', source, 0);
  for (const [name, event] of Object.entries(derived)) {
    if (event && !opts.skip?.includes(name)) table.add(name, event, 0);
  }
  const row = table.rows()[0]!;
  const cell = (stream: string, now = 0): CellView =>
    cellView(row, COLUMNS.find((c) => c.stream === stream)!, 'winston', contract, now);
  return { row, cell };
}

const states = (view: CellView) =>
  view.status === 'received' ? Object.fromEntries(view.fields.map((f) => [f.label, f.state])) : view.status;

describe('live view cells', () => {
  it('mark every PII field of the source copy as ciphertext', () => {
    // Act
    const { cell } = rowOf([0, 1]);
    // Assess
    expect(states(cell('winston'))).toEqual({ 'customer.id': 'ciphertext', producerSessionId: 'ciphertext' });
  });

  it('mark customer.id clear and producerSessionId ciphertext in CUMULATIVE 0', () => {
    // Act
    const view = rowOf([0, 1]).cell('winston-0');
    // Assess
    expect(states(view)).toEqual({ 'customer.id': 'clear', producerSessionId: 'ciphertext' });
    expect(view.status === 'received' && view.fields[0]!.value).toBe('customer-session-7');
  });

  it('mark both fields clear in CUMULATIVE 1 for consent [0, 1]', () => {
    // Act
    const view = rowOf([0, 1]).cell('winston-1');
    // Assess
    expect(states(view)).toEqual({ 'customer.id': 'clear', producerSessionId: 'clear' });
  });

  it('mark an event without consent as excluded in both derived streams, with the reason', () => {
    // Act
    const { cell } = rowOf([]);
    // Assess
    expect(cell('winston-0')).toEqual({
      status: 'excluded',
      reason: 'no consent given: consentLevels [] (needs CUMULATIVE ≥ 0)',
    });
    expect(cell('winston-1')).toEqual({
      status: 'excluded',
      reason: 'no consent given: consentLevels [] (needs CUMULATIVE ≥ 1)',
    });
  });

  it('mark consent [0] excluded from CUMULATIVE 1 only', () => {
    // Act
    const { cell } = rowOf([0]);
    // Assess
    expect(cell('winston-0').status).toBe('received');
    expect(cell('winston-1')).toEqual({
      status: 'excluded',
      reason: 'highest consent level 0 < 1: consentLevels [0]',
    });
  });

  it('wait for a derived copy that is due, then call it missing', () => {
    // Prepare
    const { cell } = rowOf([0, 1], { skip: ['winston-1'] });
    // Act + Assess
    expect(cell('winston-1', 1000).status).toBe('pending');
    expect(cell('winston-1', MISSING_AFTER_MS + 1).status).toBe('missing');
  });

  it('show a copy the consent rule excludes as received, and say that it should not be there', () => {
    // Prepare: a winston-1 copy of a [0] event (what a faulty pipeline would deliver)
    const { row } = rowOf([0]);
    const table = new LiveTable({ maxRows: 1 });
    table.add('winston', row.events.get('winston')!, 0);
    table.add('winston-1', row.events.get('winston-0')!, 0);
    const faulty = table.rows()[0]!;
    // Act
    const view = cellView(faulty, COLUMNS[2]!, 'winston', undefined, 0);
    // Assess
    expect(view).toEqual({
      status: 'received',
      fields: [],
      unexpected: 'highest consent level 0 < 1: consentLevels [0]',
    });
  });

  it('without the source copy, tell ciphertext from clear values by their shape', () => {
    // Act
    const view = rowOf([0, 1], { skip: ['winston'] }).cell('winston-0');
    // Assess
    expect(states(view)).toEqual({ 'customer.id': 'clear', producerSessionId: 'ciphertext' });
  });

  it('mark a masked field as masked, not clear', () => {
    // Prepare
    const { row } = rowOf([0, 1]);
    const masked: LiveColumn = {
      stream: 'winston-0',
      rule: RULES['winston-0'],
      maskedFields: { 'streammachine/clickstream/1.0.0': ['customer/id'] },
    };
    const changed = { ...row.events.get('winston-0')!, customer: { id: '0123456789abcdef0123456789abcdef' } };
    const table = new LiveTable({ maxRows: 1 });
    table.add('winston', row.events.get('winston')!, 0);
    table.add('winston-0', changed, 0);
    // Act
    const view = cellView(
      table.rows()[0]!,
      masked,
      'winston',
      {
        ref: 'streammachine/clickstream/1.0.0',
        keyField: 'producerSessionId',
        piiFields: { 'customer/id': 0, producerSessionId: 1 },
      },
      0,
    );
    // Assess
    expect(states(view)).toEqual({ 'customer.id': 'masked', producerSessionId: 'ciphertext' });
  });
});
