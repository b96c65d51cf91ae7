import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { ValidationError } from './errors';

/**
 * How guessable a new password may be, judged by zxcvbn (the @zxcvbn-ts estimator: dictionaries of common
 * passwords, names and words, keyboard patterns, sequences, repeats, dates, l33t substitutions), not by a
 * hand-made list. A password must score at least 3 of 4 ("safely unguessable": about 10^8 guesses), and it
 * is judged together with the user's own email, so `password`, `12345678`, eight spaces or the email
 * itself are refused. The dictionaries are loaded on first use only (sign-up, a teammate, a password change).
 */
export const MIN_PASSWORD_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;

function passwordEstimator(): ZxcvbnFactory {
  if (!estimator) {
    const { ZxcvbnFactory: Factory } = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
    const common = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    const en = require('@zxcvbn-ts/language-en') as typeof import('@zxcvbn-ts/language-en');
    estimator = new Factory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
  }
  return estimator;
}

/** The words of an email a password must not lean on: the address, its local part, its domain's labels. */
function emailWords(email: string): string[] {
  const [local = '', domain = ''] = email.split('@');
  return [email, local, ...local.split(/[._+-]/), ...domain.split('.')].filter((w) => w.length > 1);
}

/** Throws ValidationError `weak_password` (never quoting the password) when it is too easy to guess. */
export function checkPasswordStrength(password: string, email: string): void {
  if (password.trim().toLowerCase() === email.toLowerCase()) {
    throw new ValidationError('password must not be your email address', 'weak_password');
  }
  const result = passwordEstimator().check(password, emailWords(email));
  if (result.score >= MIN_PASSWORD_SCORE) return;
  const hint = result.feedback.warning ? ` (${result.feedback.warning.replace(/\.$/, '')})` : '';
  throw new ValidationError(
    `password is too easy to guess${hint}; use a longer passphrase of unrelated words`,
    'weak_password',
  );
}
