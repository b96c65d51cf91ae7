import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Credentials } from './api/management';
import type { Session } from './api/session';
import type { KeyLinkLog } from './live/key-link-log';

/** What every signed-in page shares: the session, secrets created in this tab, key links seen. */
export interface ConsoleState {
  session: Session;
  /** Client credentials of streams created in this tab, in memory only (a reload forgets them). */
  credentials: Map<string, Credentials>;
  keyLinks: KeyLinkLog;
  /** Bumped when keyLinks changes, so pages that list them re-render. */
  keyLinksVersion: number;
  keyLinksChanged: () => void;
}

export const ConsoleContext = createContext<ConsoleState | undefined>(undefined);

export function useConsole(): ConsoleState {
  const state = useContext(ConsoleContext);
  if (!state) throw new Error('useConsole outside a signed-in page');
  return state;
}
