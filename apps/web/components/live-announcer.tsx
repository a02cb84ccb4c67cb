/**
 * A polite live region for screen readers. Give it a message derived from coarse state
 * (a health band, a rollout phase), not from numbers that change on every refresh: the
 * region's text changes, and is announced, only when that state does.
 */
export function LiveAnnouncer({ message }: { message: string }) {
  return (
    <p className="sr-only" aria-live="polite" aria-atomic="true">
      {message}
    </p>
  );
}
