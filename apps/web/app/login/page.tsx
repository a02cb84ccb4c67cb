/**
 * The login page: a user's name and password (users live in the controller's state
 * directory), or the one-time link `npm start` prints. Shows why the last attempt failed.
 */
import type { Metadata } from 'next';

export const metadata: Metadata = { title: 'Log in · Weft' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const { error } = await searchParams;
  return (
    <section className="login" aria-labelledby="login-heading">
      <h1 id="login-heading">Log in</h1>
      {error && (
        <p className="state-error" role="alert">
          Login failed: {error}
        </p>
      )}
      <form method="post" action="/login/password" className="login-form">
        <label>
          User
          <input name="user" autoComplete="username" required maxLength={64} />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required maxLength={1024} />
        </label>
        <button type="submit" className="button primary">
          Log in
        </button>
      </form>
      <p className="muted small">
        Or open the one-time login link that <code>npm start</code> printed.
      </p>
    </section>
  );
}
