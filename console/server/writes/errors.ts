import { ApiError } from '../errors.js';
import type { WritePreview } from './preview.js';

/** 422: a write the console cannot preview faithfully (several target tables, DELETE ... USING, ...): it does not run. */
export class PreviewUnsupported extends ApiError {
  constructor(message: string) {
    super(422, 'preview_unsupported', message);
  }
}

/** 422: a MySQL/MariaDB write to a table whose storage engine has no transactions (MyISAM, Aria, MEMORY, ...). */
export class NotTransactional extends ApiError {
  constructor(readonly table: string, readonly engine: string) {
    super(422, 'not_transactional', `The table ${table} uses the ${engine} storage engine, which has no transactions: a write to it ` +
      'cannot be previewed and rolled back, so the console does not run writes to it. Convert the table to InnoDB, or make the change elsewhere.');
  }
}

/** 422: a SELECT sent where a write was expected. */
export class NotAWrite extends ApiError {
  constructor() {
    super(422, 'not_a_write', 'Only INSERT, UPDATE and DELETE statements are previewed; run a SELECT as a query.');
  }
}

/** Why a confirmation token is refused; each reason is its own error code. */
export type TokenRefusal = 'token_invalid' | 'token_other_replica' | 'token_expired' | 'token_used' | 'token_other_caller' |
  'token_other_policy' | 'token_other_statement';

const refusals: Record<TokenRefusal, { status: number; message: string }> = {
  token_invalid: { status: 400, message: 'The preview token is not one this console issued (malformed or forged). Preview the statement again.' },
  token_other_replica: { status: 409, message: 'The preview token was issued by another console replica, or before this console restarted. Preview the statement again.' },
  token_expired: { status: 409, message: 'The preview token has expired. Preview the statement again.' },
  token_used: { status: 409, message: 'The preview token has already been used; each preview confirms one run. Preview the statement again.' },
  token_other_caller: { status: 403, message: 'The preview token was issued to another user; only the person who saw the preview may confirm it.' },
  token_other_policy: { status: 409, message: 'The preview token was issued for another AccessPolicy. Preview the statement through this policy.' },
  token_other_statement: { status: 409, message: 'The preview token was issued for a different statement; it confirms exactly the previewed text. Preview this statement.' },
};

/** A confirmation token that does not confirm this run. */
export class TokenRefused extends ApiError {
  constructor(
    readonly reason: TokenRefusal,
    /** The preview a genuine token names (for the audit record); absent when the token is not one this console signed. */
    readonly previewId?: string,
  ) {
    super(refusals[reason].status, reason, refusals[reason].message);
  }
}

/** 409: the rows the write touches changed between the preview and the confirmation; nothing was changed. */
export class PreviewStale extends ApiError {
  constructor(
    /** The preview the refused confirmation named (for the audit record). */
    readonly previewId?: string,
    message = 'The rows this statement changes are not the ones previewed (their number or their values changed since the ' +
      'preview); nothing was changed. Preview the statement again.',
  ) {
    super(409, 'preview_stale', message);
  }
}

/** A preview as the API returns it (the `preview` of a 409 preview_required, or of an /ask proposal). */
export type PreviewBody = Omit<WritePreview, 'id'> & { previewId: string };

export function previewBody(preview: WritePreview): PreviewBody {
  const { id, ...rest } = preview;
  return { previewId: id, ...rest };
}

/**
 * 409: a write without a preview token does not run; it was previewed (in a transaction rolled back) and the
 * preview, with the token that confirms it, is in the body.
 */
export class PreviewRequired extends ApiError {
  constructor(readonly preview: WritePreview) {
    super(409, 'preview_required', `This ${preview.kind.toUpperCase()} would change ${preview.rowCount} ` +
      `row${preview.rowCount === 1 ? '' : 's'} of ${preview.table}; nothing has changed yet. Check the preview, then send the same ` +
      `statement again with "previewToken" set to the preview's token (before ${preview.expiresAt}) to run it.`,
    { preview: previewBody(preview) });
  }
}
