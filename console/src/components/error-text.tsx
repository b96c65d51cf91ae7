import { ApiError } from '../api/http';

/** The message a person should read for a failed call. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message || `request failed (${error.status})`;
  if (error instanceof TypeError) return 'The API cannot be reached. Is the stack running?';
  return (error as Error)?.message ?? String(error);
}

/** An error line, announced to screen readers. */
export function ErrorText(props: { error: unknown }) {
  if (props.error === undefined) return null;
  return (
    <p class="error" role="alert">
      {messageOf(props.error)}
    </p>
  );
}
