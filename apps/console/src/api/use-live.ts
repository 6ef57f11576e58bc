import { useEffect, useRef, useState } from 'react';
import { EngagementEventsSubscription } from './operations';
import { subscribe } from './live';
import { useSignedIn } from '../auth/session';

/**
 * Calls `onEvent` for every event committed to these engagements (the engagementEvents subscription)
 * and returns the last one as a sentence for an aria-live region.
 */
export function useLiveEngagements(ids: string[], onEvent: () => void): string {
  const { live } = useSignedIn();
  const [last, setLast] = useState('');
  const callback = useRef(onEvent);
  callback.current = onEvent;
  const key = [...ids].sort().join(',');
  useEffect(() => {
    if (!key) return;
    const stops = key.split(',').map((engagementId) =>
      subscribe(live, EngagementEventsSubscription, { engagementId }, ({ engagementEvents: e }) => {
        setLast(`Updated live: ${e.type} by ${e.actorRole.toLowerCase()} ${e.actorId}`);
        callback.current();
      }),
    );
    return () => stops.forEach((stop) => stop());
  }, [live, key]);
  return last;
}
