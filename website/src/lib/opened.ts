/**
 * A docpack the user opened from disk, handed from the page where it was
 * dropped to /explore (it lives only in this tab's memory).
 */

import type { DocpackModel } from './docpack/model';

let current: DocpackModel | null = null;

export function setOpened(model: DocpackModel | null): void {
	current = model;
}

export function getOpened(): DocpackModel | null {
	return current;
}
