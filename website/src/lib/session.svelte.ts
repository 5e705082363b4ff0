/**
 * Who is using the site, from `GET /me`: local mode (no accounts: everything
 * is open, no sign-in shown), or accounts mode signed in or out. The layout
 * loads it once; pages read it and call `refresh()` after signing out or a
 * plan change. The CSRF token it holds goes with every mutation.
 */

import { setCsrfToken } from './api';
import { getMe, type Me } from './account';

const LOCAL: Me = { mode: 'local', user: null };

class Session {
	/** `null` until the first answer. */
	me = $state.raw<Me | null>(null);
	/** Why `/me` could not be read (the site then behaves as local mode). */
	error = $state<string | null>(null);
	#pending: Promise<Me> | null = null;

	get accounts(): boolean {
		return this.me?.mode === 'accounts';
	}

	get user() {
		return this.me?.user ?? null;
	}

	/** The answer of `/me`, loading it once. */
	ready(): Promise<Me> {
		return this.me ? Promise.resolve(this.me) : this.refresh();
	}

	refresh(): Promise<Me> {
		this.#pending ??= getMe()
			.then((me) => {
				this.error = null;
				return me;
			})
			.catch((e: Error) => {
				// A server without accounts routes (older, or a static host) is local mode.
				this.error = e.message;
				return LOCAL;
			})
			.then((me) => {
				this.me = me;
				setCsrfToken(me.csrf_token ?? null);
				this.#pending = null;
				return me;
			});
		return this.#pending;
	}
}

export const session = new Session();
