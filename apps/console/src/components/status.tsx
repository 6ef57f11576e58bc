import type { ReactNode } from 'react';
import type { ConsoleError } from '../api/errors';

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** An error in words; a CONFLICT offers to reload the page's data. */
export function ErrorBox({ error, onReload }: { error: ConsoleError | Error; onReload?: () => void }) {
  const conflict = 'kind' in error && error.kind === 'conflict';
  return (
    <div className="error" role="alert">
      <p>{error.message}</p>
      {(conflict || onReload) && onReload && (
        <button type="button" onClick={onReload}>
          Reload
        </button>
      )}
    </div>
  );
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';
}

export function formatRate(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)} %`;
}

export function humanise(constant: string): string {
  return constant.charAt(0) + constant.slice(1).toLowerCase().replace(/_/g, ' ');
}
