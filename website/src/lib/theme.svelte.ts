/**
 * Light and dark themes: the system's (`prefers-color-scheme`) until the
 * user picks one with the toggle, which is remembered in localStorage and
 * set as `data-theme` on <html> (app.html applies it before the first paint).
 */

export type Theme = 'light' | 'dark';

const KEY = 'doctown-theme';

function systemTheme(): Theme {
	return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

function storedTheme(): Theme | null {
	try {
		const value = localStorage.getItem(KEY);
		return value === 'light' || value === 'dark' ? value : null;
	} catch {
		return null;
	}
}

class ThemeState {
	chosen = $state<Theme | null>(typeof localStorage === 'undefined' ? null : storedTheme());
	system = $state<Theme>(systemTheme());

	constructor() {
		if (typeof matchMedia === 'function') {
			matchMedia('(prefers-color-scheme: light)').addEventListener?.('change', () => (this.system = systemTheme()));
		}
	}

	get current(): Theme {
		return this.chosen ?? this.system;
	}

	set(theme: Theme): void {
		this.chosen = theme;
		try {
			localStorage.setItem(KEY, theme);
		} catch {
			// Private mode: the choice lasts for this page.
		}
		if (typeof document !== 'undefined') document.documentElement.dataset.theme = theme;
	}

	toggle(): void {
		this.set(this.current === 'dark' ? 'light' : 'dark');
	}
}

export const theme = new ThemeState();

/** A CSS custom property's current value (for canvas drawing, which cannot use var()). */
export function cssVar(name: string, fallback: string): string {
	if (typeof document === 'undefined') return fallback;
	return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}
