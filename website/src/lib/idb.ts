/**
 * The browser's IndexedDB, opened the one way this site opens it: a
 * database of one object store, created on first use. Null where there is
 * none or it is refused (private windows, tests): callers then keep
 * nothing, and the page works without it.
 */
export function openStore(db: string, store: string): Promise<IDBDatabase | null> {
	if (typeof indexedDB === 'undefined') return Promise.resolve(null);
	return new Promise((resolve) => {
		const request = indexedDB.open(db, 1);
		request.onupgradeneeded = () => request.result.createObjectStore(store);
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => resolve(null);
		request.onblocked = () => resolve(null);
	});
}
