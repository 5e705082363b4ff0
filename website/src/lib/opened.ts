/**
 * A docpack the user opened from disk, handed from the page where it was
 * dropped to /explore. The model lives in this tab's memory; the file is
 * also kept in this browser's IndexedDB (the last one, up to
 * {@link KEEP_FILE_BYTES}), so a reload opens it again instead of asking
 * for it.
 */

import { openStore } from './idb';
import type { DocpackModel } from './docpack/model';

let current: DocpackModel | null = null;

export function setOpened(model: DocpackModel | null): void {
	current = model;
}

export function getOpened(): DocpackModel | null {
	return current;
}

const DB = 'doctown-opened';
const STORE = 'file';
const KEY = 'last';
/** Larger files are not kept (a reload asks for them again). */
export const KEEP_FILE_BYTES = 512 * 1024 * 1024;

const openDb = () => openStore(DB, STORE);

/** Keeps `file` as the docpack a reload reopens (nothing when it is too large or storage is refused). */
export async function rememberFile(file: File): Promise<void> {
	const db = await openDb();
	if (!db) return;
	await new Promise<void>((resolve) => {
		const tx = db.transaction(STORE, 'readwrite');
		if (file.size <= KEEP_FILE_BYTES) tx.objectStore(STORE).put({ name: file.name, blob: file }, KEY);
		else tx.objectStore(STORE).delete(KEY);
		tx.oncomplete = () => resolve();
		tx.onerror = () => resolve();
		tx.onabort = () => resolve();
	});
	db.close();
}

/** The docpack file kept by {@link rememberFile}, or null. */
export async function rememberedFile(): Promise<File | null> {
	const db = await openDb();
	if (!db) return null;
	const kept = await new Promise<{ name: string; blob: Blob } | undefined>((resolve) => {
		const request = db.transaction(STORE).objectStore(STORE).get(KEY);
		request.onsuccess = () => resolve(request.result as { name: string; blob: Blob } | undefined);
		request.onerror = () => resolve(undefined);
	});
	db.close();
	return kept ? new File([kept.blob], kept.name) : null;
}

/** Forgets the kept file (the user closed it, or it no longer opens). */
export async function forgetFile(): Promise<void> {
	const db = await openDb();
	if (!db) return;
	await new Promise<void>((resolve) => {
		const tx = db.transaction(STORE, 'readwrite');
		tx.objectStore(STORE).delete(KEY);
		tx.oncomplete = () => resolve();
		tx.onerror = () => resolve();
	});
	db.close();
}
