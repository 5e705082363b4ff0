/**
 * The module level of the docpacks this browser opened, kept in IndexedDB
 * by docpack id: opening one again shows its architecture map as soon as
 * the manifest (the first entry) names it, while the rest downloads and is
 * verified as usual. The docpack id is a hash of every entry's SHA-256, so
 * a docpack with the same id has the same content; if the download does
 * not verify, the page shows the error instead of the map.
 */

import { openStore } from '../idb';
import type { Architecture } from './modules';

const DB = 'doctown';
const STORE = 'architecture';
/** Docpacks remembered; the oldest are forgotten. */
const KEEP = 8;

const open = () => openStore(DB, STORE);

/** The remembered module level of docpack `id`, or null. */
export async function cachedArchitecture(id: string): Promise<Architecture | null> {
	const db = await open();
	if (!db) return null;
	return new Promise((resolve) => {
		const request = db.transaction(STORE).objectStore(STORE).get(id);
		request.onsuccess = () => resolve((request.result as { arch?: Architecture } | undefined)?.arch ?? null);
		request.onerror = () => resolve(null);
	});
}

/** Remembers the module level of docpack `id` (a verified docpack's). */
export async function rememberArchitecture(id: string, arch: Architecture): Promise<void> {
	const db = await open();
	if (!db) return;
	await new Promise<void>((resolve) => {
		const tx = db.transaction(STORE, 'readwrite');
		const store = tx.objectStore(STORE);
		store.put({ arch, at: Date.now() }, id);
		const all = store.getAll();
		const keys = store.getAllKeys();
		tx.oncomplete = () => resolve();
		tx.onerror = () => resolve();
		keys.onsuccess = () => {
			const entries = (all.result as { at: number }[]).map((e, i) => ({ at: e.at, key: keys.result[i] }));
			if (entries.length <= KEEP) return;
			const tx2 = db.transaction(STORE, 'readwrite');
			for (const e of entries.sort((a, b) => a.at - b.at).slice(0, entries.length - KEEP)) tx2.objectStore(STORE).delete(e.key);
		};
	});
}
