/**
 * The original product named its built-in schemas and contracts under the handle of its era:
 * `streammachine/…` (Stream Machine, until 2021) and `strmprivacy/…` (STRM Privacy, from Nov 2021). Both
 * name the same built-ins here; `streammachine/…` is the canonical form stored and compared.
 */
export const BUILTIN_HANDLES = ['streammachine', 'strmprivacy'] as const;
const CANONICAL_HANDLE = 'streammachine';

/**
 * A built-in ref under any of the original handles (`strmprivacy/demo/1.0.2`) in its canonical form
 * (`streammachine/demo/1.0.2`), when `isBuiltin` says the canonical form is one; any other ref unchanged.
 */
export function canonicalBuiltinRef(ref: string, isBuiltin: (canonical: string) => boolean): string {
  const slash = ref.indexOf('/');
  if (slash < 0) return ref;
  const handle = ref.slice(0, slash);
  if (!(BUILTIN_HANDLES as readonly string[]).includes(handle)) return ref;
  const canonical = `${CANONICAL_HANDLE}${ref.slice(slash)}`;
  return isBuiltin(canonical) ? canonical : ref;
}

/** Whether a ref uses one of the built-in handles (reserved: accounts cannot register refs under them). */
export function usesBuiltinHandle(ref: string): boolean {
  return (BUILTIN_HANDLES as readonly string[]).includes(ref.slice(0, ref.indexOf('/')));
}
