import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  deleteSavedStream,
  loadSavedStream,
  type SavedStream,
  saveStream,
} from '../../../cli/saved-entities';
import { tempConfigDir } from './run-cli';

function savedStream(name = 'winston'): SavedStream {
  return {
    stream: { name, enabled: true, credentials: [{ clientId: 'client-1' }] },
    credentials: { clientId: 'client-1', clientSecret: 'secret-1' },
  };
}

describe('saved stream entities', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempConfigDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('are written to <config>/saved-entities/Stream/<name>.json', () => {
    const file = saveStream(dir, savedStream());
    expect(file).toBe(path.join(dir, 'saved-entities', 'Stream', 'winston.json'));
  });

  it('are readable only by the user (file 0600, directory 0700)', () => {
    const file = saveStream(dir, savedStream());
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  });

  it('keep the stream and its client id and secret', () => {
    const file = saveStream(dir, savedStream());
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(savedStream());
    expect(loadSavedStream(dir, 'winston')).toEqual(savedStream());
  });

  it('tighten the mode of a file that existed with a wider one', () => {
    const file = saveStream(dir, savedStream());
    fs.chmodSync(file, 0o644);
    saveStream(dir, savedStream());
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('replace a file instead of writing secrets into an existing (possibly wider) one, leaving no temporary file', () => {
    const file = saveStream(dir, savedStream());
    fs.chmodSync(file, 0o644);
    const before = fs.statSync(file).ino;
    saveStream(dir, savedStream());
    expect(fs.statSync(file).ino).not.toBe(before);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['winston.json']);
  });

  it('load as undefined when the stream was never saved', () => {
    expect(loadSavedStream(dir, 'unknown')).toBeUndefined();
  });

  it('are removed by deleteSavedStream', () => {
    saveStream(dir, savedStream());
    expect(deleteSavedStream(dir, 'winston')).toBe(true);
    expect(loadSavedStream(dir, 'winston')).toBeUndefined();
    expect(deleteSavedStream(dir, 'winston')).toBe(false);
  });

  it('refuse names that would escape the directory', () => {
    expect(() => saveStream(dir, savedStream('../evil'))).toThrow(/cannot be used as a file name/);
  });
});
