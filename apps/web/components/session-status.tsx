'use client';
/** Who is logged in, with their role, and a Log out button (a form POST, so it works without script). */
import { useWhoAmI } from '../lib/use-role.ts';

export function SessionStatus() {
  const me = useWhoAmI();
  if (me?.kind !== 'user') return null;
  return (
    <form method="post" action="/logout" className="session-status small">
      <span>
        {me.name} ({me.role})
      </span>
      <button type="submit" className="button small">
        Log out
      </button>
    </form>
  );
}
